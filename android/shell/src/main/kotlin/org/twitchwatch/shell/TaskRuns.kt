// Running the active tasks on the phone, without Android: the countdown each task screen shows, the
// tap recorder that turns touches into the core's Taps (ms from the start, points), the tapping run
// over both hands, the grip hold's accelerometer recorder and the tremor task's begin/finish around
// the wearable's stream. Times come in from the caller (a monotonic clock for durations, the wall
// clock for when a task started), so the tests drive them.
package org.twitchwatch.shell

import org.twitchwatch.core.Tasks
import org.twitchwatch.core.app.TaskOutcome
import org.twitchwatch.core.tasks.GripInput
import org.twitchwatch.core.tasks.Hand
import org.twitchwatch.core.tasks.PhoneMotionSample
import org.twitchwatch.core.tasks.Tap
import org.twitchwatch.core.tasks.TapTarget
import org.twitchwatch.core.tasks.TappingInput
import org.twitchwatch.core.tasks.TaskKind

/** Standard gravity, m/s² per g: Android's accelerometer reports m/s², the core takes g. */
const val STANDARD_GRAVITY = 9.80665

/** A task's countdown on a monotonic clock (ms). */
class Countdown(val durationMs: Long) {
    var startedAtMs: Long? = null
        private set

    fun start(monotonicMs: Long) {
        startedAtMs = monotonicMs
    }

    val isStarted: Boolean get() = startedAtMs != null

    fun elapsedMs(monotonicMs: Long): Long =
        startedAtMs?.let { (monotonicMs - it).coerceIn(0, durationMs) } ?: 0

    fun remainingMs(monotonicMs: Long): Long = durationMs - elapsedMs(monotonicMs)

    fun isFinished(monotonicMs: Long): Boolean = isStarted && remainingMs(monotonicMs) == 0L

    /** Whole seconds left, rounded up: "20" at the start, "1" in the last second, "0" when done. */
    fun secondsLeft(monotonicMs: Long): Long = (remainingMs(monotonicMs) + 999) / 1000

    /** 0 at the start, 1 when done: for a progress bar. */
    fun fraction(monotonicMs: Long): Float = elapsedMs(monotonicMs).toFloat() / durationMs.toFloat()
}

/** The two targets' centres in a tapping area of [widthPt] × [heightPt] points: a quarter in from
 *  each side, halfway down, so each hand reaches both without moving the phone. */
fun twoTargets(widthPt: Double, heightPt: Double): List<TapTarget> = listOf(
    TapTarget(xPt = widthPt * 0.25, yPt = heightPt * 0.5),
    TapTarget(xPt = widthPt * 0.75, yPt = heightPt * 0.5),
)

/**
 * One hand's tapping session: touches become [Tap]s with the time since [start] in ms and the
 * position in the tapping area's points. Touches before the start or after the countdown are not
 * taps of the session and are dropped, as are touches that go back in time (a clock that jumped).
 */
class TapRecorder(val hand: Hand, val targets: List<TapTarget>, durationMs: Long = TAPPING_DURATION_MS) {
    val countdown = Countdown(durationMs)
    private val recorded = mutableListOf<Tap>()
    var startedAtWallMs: Long = 0
        private set

    val taps: List<Tap> get() = recorded.toList()

    fun start(wallClockMs: Long, monotonicMs: Long) {
        startedAtWallMs = wallClockMs
        recorded.clear()
        countdown.start(monotonicMs)
    }

    /** Records a touch; true when it counted as a tap. */
    fun onTouch(monotonicMs: Long, xPt: Double, yPt: Double): Boolean {
        val start = countdown.startedAtMs ?: return false
        val t = (monotonicMs - start).toDouble()
        if (t < 0 || t > countdown.durationMs) return false
        if (recorded.isNotEmpty() && t < recorded.last().tMs) return false
        if (!xPt.isFinite() || !yPt.isFinite()) return false
        recorded += Tap(tMs = t, xPt = xPt, yPt = yPt)
        return true
    }

    fun isFinished(monotonicMs: Long): Boolean = countdown.isFinished(monotonicMs)

    fun input(): TappingInput = TappingInput(
        hand = hand,
        startedAtMs = startedAtWallMs,
        durationMs = countdown.durationMs.toDouble(),
        targets = targets,
        taps = taps,
    )
}

const val TAPPING_DURATION_MS = 20_000L

/** Where a multi-hand task run is. */
sealed class RunPhase {
    /** Waiting for the user to start [hand]. */
    data class Ready(val hand: Hand) : RunPhase()
    data class Running(val hand: Hand) : RunPhase()
    /** [hand] finished; its input is ready to record. */
    data class Finished(val hand: Hand) : RunPhase()
    object Done : RunPhase()
}

/**
 * The tapping task over both hands in turn: start a hand, feed touches, tick until it finishes,
 * record it through [record] (the app passes `tasks().recordTapping`), then the next hand.
 * An outcome per recorded hand is kept for the screen; a refused session is kept as its message and
 * the hand can be run again.
 */
class TappingRun(
    val hands: List<Hand> = listOf(Hand.RIGHT, Hand.LEFT),
    private val durationMs: Long = TAPPING_DURATION_MS,
) {
    private var index = 0
    private var recorder: TapRecorder? = null
    val outcomes = mutableListOf<TaskOutcome>()
    var lastError: String? = null
        private set

    var phase: RunPhase = RunPhase.Ready(hands.first())
        private set

    val currentRecorder: TapRecorder? get() = recorder

    fun start(targets: List<TapTarget>, wallClockMs: Long, monotonicMs: Long) {
        val p = phase as? RunPhase.Ready ?: return
        recorder = TapRecorder(p.hand, targets, durationMs).also { it.start(wallClockMs, monotonicMs) }
        phase = RunPhase.Running(p.hand)
        lastError = null
    }

    fun onTouch(monotonicMs: Long, xPt: Double, yPt: Double): Boolean =
        if (phase is RunPhase.Running) recorder?.onTouch(monotonicMs, xPt, yPt) ?: false else false

    /** Moves a running hand to Finished when its time is up. */
    fun tick(monotonicMs: Long): RunPhase {
        val p = phase
        if (p is RunPhase.Running && recorder?.isFinished(monotonicMs) == true) phase = RunPhase.Finished(p.hand)
        return phase
    }

    /** Records the finished hand with [record]; moves on to the next hand, or Done. */
    fun recordFinished(record: (TappingInput) -> TaskOutcome): UiResult<TaskOutcome>? {
        val p = phase as? RunPhase.Finished ?: return null
        val input = recorder?.input() ?: return null
        val result = attempt { record(input) }
        when (result) {
            is UiResult.Ok -> {
                outcomes += result.value
                index++
                phase = if (index < hands.size) RunPhase.Ready(hands[index]) else RunPhase.Done
            }
            is UiResult.Failed -> {
                lastError = result.message
                phase = RunPhase.Ready(p.hand)
            }
        }
        recorder = null
        return result
    }
}

/**
 * The grip hold: accelerometer readings (gravity included) from the start of the hold until the
 * phone is lowered or the countdown ends, then the self-rated grip; [input] is the core's GripInput.
 */
class GripRecorder(val hand: Hand, durationMs: Long = GRIP_HOLD_MS) {
    val countdown = Countdown(durationMs)
    private val samples = mutableListOf<PhoneMotionSample>()
    private var loweredAtMs: Double? = null
    var startedAtWallMs: Long = 0
        private set

    val sampleCount: Int get() = samples.size

    fun start(wallClockMs: Long, monotonicMs: Long) {
        startedAtWallMs = wallClockMs
        samples.clear()
        loweredAtMs = null
        countdown.start(monotonicMs)
    }

    val isHolding: Boolean get() = countdown.isStarted && loweredAtMs == null

    /** One reading in g. Readings outside the hold are dropped. */
    fun onSampleG(monotonicMs: Long, xG: Double, yG: Double, zG: Double) {
        val start = countdown.startedAtMs ?: return
        if (loweredAtMs != null) return
        val t = (monotonicMs - start).toDouble()
        if (t < 0 || t > countdown.durationMs) return
        if (samples.isNotEmpty() && t < samples.last().tMs) return
        if (!xG.isFinite() || !yG.isFinite() || !zG.isFinite()) return
        samples += PhoneMotionSample(tMs = t, xG = xG, yG = yG, zG = zG)
    }

    /** Android's readings are m/s². */
    fun onSampleMetresPerS2(monotonicMs: Long, x: Double, y: Double, z: Double) =
        onSampleG(monotonicMs, x / STANDARD_GRAVITY, y / STANDARD_GRAVITY, z / STANDARD_GRAVITY)

    /** The person lowered the phone before the end. */
    fun lower(monotonicMs: Long) {
        if (!isHolding) return
        loweredAtMs = countdown.elapsedMs(monotonicMs).toDouble()
    }

    /** The hold is over: lowered, or the time is up. */
    fun isOver(monotonicMs: Long): Boolean = loweredAtMs != null || countdown.isFinished(monotonicMs)

    fun heldMs(): Double = loweredAtMs ?: countdown.durationMs.toDouble()

    /** What to record; [selfRated] is the 0–10 answer, null when skipped. The hold is left out when
     *  it was never started. */
    fun input(selfRated: Int?, dynamometerKg: Double? = null): GripInput = GripInput(
        hand = hand,
        startedAtMs = startedAtWallMs,
        heldMs = if (samples.isEmpty()) 0.0 else heldMs(),
        samples = samples.toList(),
        selfRatedGrip010 = selfRated?.coerceIn(0, 10)?.toUByte(),
        dynamometerKg = dynamometerKg,
    )
}

const val GRIP_HOLD_MS = 20_000L

/**
 * A tremor task with the wearable: [begin] asks the core to keep the stream's batches and starts the
 * countdown, [finish] has them measured and stored once the countdown is over; [cancel] drops them.
 * The wearable's session (the phone's GATT session or the demo mode) must be running meanwhile.
 */
class TremorRun(private val tasks: Tasks, val kind: TaskKind, val hand: Hand, durationMs: Long) {
    val countdown = Countdown(durationMs)
    var startedAtWallMs: Long = 0
        private set
    var finished = false
        private set

    fun begin(wallClockMs: Long, monotonicMs: Long): UiResult<Unit> {
        val r = attempt { tasks.beginTremorTask() }
        if (r is UiResult.Ok) {
            startedAtWallMs = wallClockMs
            countdown.start(monotonicMs)
        }
        return r
    }

    fun isOver(monotonicMs: Long): Boolean = countdown.isFinished(monotonicMs)

    fun finish(): UiResult<TaskOutcome> {
        finished = true
        return attempt { tasks.finishTremorTask(kind, hand, startedAtWallMs) }
    }

    fun cancel() {
        finished = true
        attempt { tasks.cancelTremorTask() }
    }
}
