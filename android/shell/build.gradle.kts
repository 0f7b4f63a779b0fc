// :shell — Kotlin logic that is not Android glue: UI models, the permission-flow state machine and
// notification routing. It uses no android.* API, so tests/apps/run.sh compiles it with kotlinc-jvm and
// runs src/jvmTest against the real generated bindings and the host library (no emulator needed).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.twitchwatch.shell"
    compileSdk = 35
    defaultConfig { minSdk = 26 }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    api(project(":core"))
}
