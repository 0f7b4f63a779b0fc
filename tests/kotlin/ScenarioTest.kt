// Scenario test of the generated Kotlin bindings against the real library, on the JVM (JNA).
// Prints one line per check and "N passed, N failed"; exits 1 on any failure.
package org.twitchwatch.tests

import org.twitchwatch.core.*
import kotlin.system.exitProcess

private var passed = 0
private var failed = 0

fun check(name: String, block: () -> Unit) {
    try {
        block()
        passed++
        println("ok   $name")
    } catch (t: Throwable) {
        failed++
        println("FAIL $name: $t")
        t.printStackTrace(System.out)
    }
}

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

inline fun <reified E : Throwable> expectThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

fun main() {
    check("library loads and reports its version") {
        expect(twitchwatchVersion().isNotBlank()) { "empty version" }
    }
    check("movement kinds round-trip through Rust") {
        expect(parseMotorEventKind("twitch") == MotorEventKind.FASCICULATION) { "twitch" }
        expect(motorEventKinds() == listOf(MotorEventKind.FASCICULATION, MotorEventKind.TREMOR, MotorEventKind.SPASM)) {
            "kinds: ${motorEventKinds()}"
        }
    }
    check("bad input is a Kotlin exception with a clear message") {
        val e = expectThrows<TwitchWatchException.InvalidInput> { parseMotorEventKind("hiccup") }
        expect(e.reason.contains("hiccup") && e.reason.contains("fasciculation")) { "message: ${e.reason}" }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
