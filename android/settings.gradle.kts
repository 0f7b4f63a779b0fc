// TwitchWatch for Android: :core (the Rust library + generated Kotlin bindings), :shell (platform-free
// Kotlin: UI models, permission flow, notification routing) and :app (Jetpack Compose UI + services).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "TwitchWatch"
include(":core", ":shell", ":app")
