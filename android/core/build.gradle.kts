// :core — the Rust core for Android: libtwitchwatch_ffi.so per ABI (built by cargo-ndk), the Kotlin
// bindings generated from it (scripts/gen-bindings.sh) and JNA, which the bindings load the library with.
import org.gradle.api.tasks.Exec

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val repoRoot: File = rootDir.parentFile
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs/android")
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val skipCargo = (findProperty("twitchwatch.skipCargo") as String?)?.toBoolean() ?: false
// One package per crate whose types cross the FFI (bindings/bindgen.toml), all under this folder.
val generatedBindings = file("src/main/kotlin/org/twitchwatch/core")

android {
    namespace = "org.twitchwatch.core"
    compileSdk = 35
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }

    sourceSets["main"].jniLibs.srcDir(rustJniLibs)

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    // The AAR carries libjnidispatch.so for every Android ABI; the plain jar would not load on a phone.
    api("net.java.dev.jna:jna:5.15.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}

// Kotlin bindings: generated on every build from the host build of twitchwatch-ffi (same API as the phone
// build), never tracked in git, so they cannot drift from the library.
val generateBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings with scripts/gen-bindings.sh"
    workingDir = repoRoot
    commandLine("bash", "scripts/gen-bindings.sh")
    outputs.dir(generatedBindings)
}

// libtwitchwatch_ffi.so for each ABI, with the size-tuned `release-ffi` profile (panic = unwind, see
// Cargo.toml). `-Ptwitchwatch.demo` adds demo mode (the simulated wearable) for demo builds; the shipped
// library has no lab code and its demo calls answer InvalidState.
val demoMode = project.hasProperty("twitchwatch.demo")
val cargoNdkBuild by tasks.registering(Exec::class) {
    description = "Builds libtwitchwatch_ffi.so for ${abis.joinToString()} with cargo-ndk"
    workingDir = repoRoot
    val out = rustJniLibs.get().asFile
    commandLine(
        listOf("cargo", "ndk") + abis.flatMap { listOf("-t", it) } +
            listOf("--platform", "26", "-o", out.absolutePath, "build", "--profile", "release-ffi", "-p", "twitchwatch-ffi") +
            (if (demoMode) listOf("--features", "demo") else emptyList()),
    )
    onlyIf { !skipCargo }
}

tasks.named("preBuild") { dependsOn(generateBindings, cargoNdkBuild) }
