// The active tasks' platform-free half against the REAL library: touches become taps with ms from the
// start, a tapping run over both hands is recorded and read back from tasks().results, the grip hold
// turns accelerometer readings into a stored result, and a tremor task is recorded from the demo
// wearable's stream. Times are driven by the test (a monotonic clock and the wall clock).
package org.twitchwatch.shell

import java.nio.file.Files
import kotlin.math.sin
import kotlinx.coroutines.runBlocking
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.app.OpenOptions
import org.twitchwatch.core.tasks.Hand
import org.twitchwatch.core.tasks.TaskKind
import org.twitchwatch.core.tasks.TaskMeasures

private class TaskFailure(message: String) : Exception(message)

private fun need(condition: Boolean, message: () -> String) {
    if (!condition) throw TaskFailure(message())
}

private fun <T> withStore(body: (TwitchWatch) -> T): T {
    val dir = Files.createTempDirectory("twitchwatch-task-test")
    val core = TwitchWatch.open(dir.resolve("store").toString(), OpenOptions())
    try {
        return body(core)
    } finally {
        core.closeStore()
        core.close()
        dir.toFile().deleteRecursively()
    }
}

private fun wallNow() = System.currentTimeMillis()

fun registerTaskTests(test: (String, () -> Unit) -> Unit) {
    test("the countdown counts whole seconds down and ends at its length") {
        val c = Countdown(20_000)
        need(!c.isFinished(0) && c.secondsLeft(0) == 20L) { "not started: ${c.secondsLeft(0)}" }
        c.start(1_000)
        need(c.secondsLeft(1_000) == 20L) { "start ${c.secondsLeft(1_000)}" }
        need(c.secondsLeft(1_001) == 20L && c.secondsLeft(2_000) == 19L) { "after 1 s ${c.secondsLeft(2_000)}" }
        need(c.secondsLeft(20_500) == 1L && !c.isFinished(20_999)) { "last second" }
        need(c.isFinished(21_000) && c.remainingMs(99_000) == 0L && c.fraction(99_000) == 1f) { "end" }
    }

    test("the tap recorder keeps ms from the start and drops touches outside the session") {
        val targets = twoTargets(360.0, 400.0)
        need(targets.map { it.xPt } == listOf(90.0, 270.0) && targets.all { it.yPt == 200.0 }) { "targets $targets" }
        val r = TapRecorder(Hand.LEFT, targets)
        need(!r.onTouch(5_000, 90.0, 200.0)) { "a touch before the start counted" }
        r.start(wallClockMs = 1_700_000_000_000, monotonicMs = 10_000)
        need(!r.onTouch(9_999, 90.0, 200.0)) { "a touch before the start counted" }
        need(r.onTouch(10_250, 91.0, 201.0) && r.onTouch(10_500, 271.0, 199.0)) { "taps refused" }
        need(!r.onTouch(10_400, 90.0, 200.0)) { "a touch back in time counted" }
        need(!r.onTouch(10_600, Double.NaN, 200.0)) { "a NaN position counted" }
        need(!r.onTouch(30_001, 90.0, 200.0)) { "a touch after the end counted" }
        need(r.taps.map { it.tMs } == listOf(250.0, 500.0)) { "times ${r.taps}" }
        val input = r.input()
        need(input.startedAtMs == 1_700_000_000_000 && input.durationMs == 20_000.0 && input.targets == targets) { "$input" }
    }

    test("a tapping run over both hands is recorded and read back from tasks().results") {
        withStore { core ->
            val targets = twoTargets(360.0, 400.0)
            val run = TappingRun()
            need(run.phase == RunPhase.Ready(Hand.RIGHT)) { "first ${run.phase}" }
            val wallStart = wallNow() - 120_000
            var mono = 50_000L
            val perHand = mapOf(Hand.RIGHT to 100, Hand.LEFT to 80)
            for (hand in listOf(Hand.RIGHT, Hand.LEFT)) {
                need(run.phase == RunPhase.Ready(hand)) { "before $hand: ${run.phase}" }
                val startMono = mono
                run.start(targets, wallStart + (mono - 50_000), mono)
                val n = perHand.getValue(hand)
                val step = 20_000L / n
                for (i in 0 until n) {
                    mono = startMono + i * step + step / 2
                    val t = targets[i % 2]
                    need(run.onTouch(mono, t.xPt + 2.0, t.yPt - 1.0)) { "tap $i of $hand refused" }
                    need(run.tick(mono) == RunPhase.Running(hand)) { "ended early at $i" }
                }
                mono = startMono + 20_000
                need(run.tick(mono) == RunPhase.Finished(hand)) { "not finished: ${run.phase}" }
                need(!run.onTouch(mono + 10, 90.0, 200.0)) { "a tap after the end counted" }
                val r = run.recordFinished { core.tasks().recordTapping(it) }
                need(r is UiResult.Ok && r.value.lines.isNotEmpty()) { "recording $hand: $r" }
                mono += 5_000
            }
            need(run.phase == RunPhase.Done && run.outcomes.size == 2) { "end ${run.phase}" }
            need(run.outcomes[0].lines.first().startsWith("100 taps")) { "outcome ${run.outcomes[0].lines}" }
            val stored = core.tasks().results(0, wallNow() + 60_000)
            need(stored.map { it.hand } == listOf(Hand.RIGHT, Hand.LEFT)) { "stored ${stored.map { it.hand }}" }
            val counts = stored.map { (it.measures as TaskMeasures.Tapping).metrics.tapCount.toInt() }
            need(counts == listOf(100, 80)) { "tap counts $counts" }
            val right = (stored[0].measures as TaskMeasures.Tapping).metrics
            need(right.accuracyMeanPt != null && right.accuracyMeanPt!! in 2.0..2.5) { "accuracy ${right.accuracyMeanPt}" }
            val state = core.screens().tasks()
            val card = state.cards.first { it.kind == TaskKind.TAPPING }
            need(card.hands.all { it.sessions == 1u }) { "card ${card.hands}" }
            need(state.tappingAsymmetry != null) { "no asymmetry line after both hands" }
        }
    }

    test("a refused tapping session keeps the hand ready to run again and stores nothing") {
        withStore { core ->
            val run = TappingRun(hands = listOf(Hand.LEFT))
            run.start(twoTargets(300.0, 300.0), wallNow() - 60_000, 0)
            run.tick(20_000)
            val r = run.recordFinished { core.tasks().recordTapping(it) }
            need(r is UiResult.Failed) { "an empty session was accepted: $r" }
            need(run.phase == RunPhase.Ready(Hand.LEFT) && run.lastError != null) { "after refusal ${run.phase}" }
            need(core.tasks().results(0, wallNow() + 60_000).isEmpty()) { "something was stored" }
        }
    }

    test("the grip hold turns accelerometer readings in m/s² into a stored grip result") {
        withStore { core ->
            val g = GripRecorder(Hand.RIGHT)
            g.start(wallNow() - 60_000, 0)
            // 50 Hz for 15 s: gravity along y, a small 8 Hz shake, the arm sagging slowly.
            for (i in 0..750) {
                val t = i * 20L
                val sag = t / 15_000.0 * 0.1
                val shake = 0.02 * sin(2 * Math.PI * 8 * t / 1000.0)
                g.onSampleMetresPerS2(t, shake * STANDARD_GRAVITY, (1 - sag) * STANDARD_GRAVITY, sag * STANDARD_GRAVITY)
            }
            g.lower(15_000)
            g.onSampleG(15_100, 0.0, 1.0, 0.0)
            need(g.isOver(15_000) && g.sampleCount == 751) { "samples ${g.sampleCount}" }
            val outcome = core.tasks().recordGrip(g.input(selfRated = 7))
            val m = (outcome.result.measures as TaskMeasures.Grip).measures
            val s = m.steadiness ?: throw TaskFailure("no steadiness measured")
            need(s.heldMs == 15_000.0 && s.shakeRmsMg > 5.0 && s.sagDeg > 1.0) { "steadiness $s" }
            need(m.selfRatedGrip010?.toInt() == 7) { "self-rating ${m.selfRatedGrip010}" }
            need(outcome.lines.any { "7/10" in it }) { "lines ${outcome.lines}" }
            need(core.screens().tasks().gripProxyLimits.isNotBlank()) { "no proxy limits" }
        }
    }

    test("a tremor task is recorded from the demo wearable's stream; without a stream it is refused") {
        withStore { core ->
            val empty = TremorRun(core.tasks(), TaskKind.TREMOR_REST, Hand.LEFT, 30_000)
            need(empty.begin(wallNow() - 40_000, 0) is UiResult.Ok) { "begin refused" }
            need(empty.isOver(30_000)) { "countdown" }
            need(empty.finish() is UiResult.Failed) { "a task without samples was accepted" }

            val run = TremorRun(core.tasks(), TaskKind.TREMOR_REST, Hand.RIGHT, 30_000)
            need(run.begin(wallNow() - 40_000, 0) is UiResult.Ok) { "begin refused" }
            core.monitoring().startSimulated("tremor", 30f, 0f)
            runBlocking { core.monitoring().waitUntilStopped() }
            need(!run.isOver(29_000) && run.isOver(30_000)) { "countdown" }
            val r = run.finish()
            need(r is UiResult.Ok) { "finish: $r" }
            val outcome = (r as UiResult.Ok).value
            need(outcome.lines.any { it.startsWith("tremor") }) { "lines ${outcome.lines}" }
            val stored = core.tasks().results(0, wallNow() + 60_000)
            need(stored.size == 1 && stored[0].hand == Hand.RIGHT) { "stored $stored" }
        }
    }
}
