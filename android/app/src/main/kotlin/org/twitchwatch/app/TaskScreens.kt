// The active tasks: the list from the core's TasksState, and one screen per kind that runs it —
// finger tapping on two targets, the grip hold with the phone's accelerometer, a tremor task with the
// wearable's stream. Timing, recording and the task's state live in :shell (TaskRuns.kt); this file
// draws them and feeds them touches, sensor readings and clocks.
package org.twitchwatch.app

import android.content.Context
import android.hardware.Sensor
import android.hardware.SensorEvent
import android.hardware.SensorEventListener
import android.hardware.SensorManager
import android.os.SystemClock
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.gestures.awaitEachGesture
import androidx.compose.foundation.gestures.awaitFirstDown
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.layout.onSizeChanged
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.IntSize
import androidx.compose.ui.unit.dp
import androidx.navigation.NavHostController
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.twitchwatch.core.app.Destination
import org.twitchwatch.core.app.HandOption
import org.twitchwatch.core.app.TaskCard
import org.twitchwatch.core.app.TaskOutcome
import org.twitchwatch.core.app.TaskRunTexts
import org.twitchwatch.core.app.TasksState
import org.twitchwatch.core.holdProgressLabel
import org.twitchwatch.core.secondsLeftLabel
import org.twitchwatch.core.tappingProgressLabel
import org.twitchwatch.core.tasks.Hand
import org.twitchwatch.core.tasks.TaskKind
import org.twitchwatch.shell.GripRecorder
import org.twitchwatch.shell.RunPhase
import org.twitchwatch.shell.TappingRun
import org.twitchwatch.shell.TremorRun
import org.twitchwatch.shell.UiResult
import org.twitchwatch.shell.attempt
import org.twitchwatch.shell.twoTargets

private fun wallNow() = System.currentTimeMillis()

/** The core's texts for `hand` (every hand the core offers is listed there). */
private fun TaskRunTexts.option(hand: Hand): HandOption = hands.first { it.hand == hand }

/** Route of one task's screen: below the core's Tasks destination, whose link opens the list. */
fun taskRoute(kind: TaskKind): String = "${route(Destination.Tasks)}/${kind.name}"

@Composable
fun TasksScreen(app: TwitchWatchApp, nav: NavHostController) {
    val state by remember { mutableStateOf(attempt { app.screens.tasks() }) }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        s.tappingAsymmetry?.let { item { Text(it, fontWeight = FontWeight.Bold) } }
        items(s.cards) { c ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(c.title, style = MaterialTheme.typography.titleMedium)
                    Text(c.instructions, style = MaterialTheme.typography.bodySmall)
                    c.hands.forEach { h ->
                        Text(
                            "${h.handLabel}: ${h.summary}",
                            color = if (h.declining) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
                        )
                    }
                    if (c.kind == TaskKind.GRIP) Text(s.gripProxyLimits, style = MaterialTheme.typography.bodySmall)
                    c.notReadyNote?.let { Text(it, color = MaterialTheme.colorScheme.error) }
                    Button(onClick = { nav.navigate(taskRoute(c.kind)) }) { Text(c.startLabel) }
                }
            }
        }
        item { Text(s.baselineExplanation, style = MaterialTheme.typography.bodySmall) }
    }
}

@Composable
fun TaskRunScreen(app: TwitchWatchApp, kindName: String) {
    val state = remember { attempt { app.screens.tasks() } }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    val card = s.cards.firstOrNull { it.kind.name == kindName } ?: return ErrorText(s.texts.unknownTask)
    Column(Modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(card.title, style = MaterialTheme.typography.headlineSmall)
        Text(card.instructions)
        when {
            card.kind == TaskKind.TAPPING -> TappingTask(app, card, s.texts)
            card.kind == TaskKind.GRIP -> GripTask(app, card, s)
            else -> TremorTask(app, card, s.texts)
        }
    }
}

@Composable
private fun Outcome(outcome: TaskOutcome) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp)) {
            Text(outcome.handLabel, fontWeight = FontWeight.Bold)
            outcome.lines.forEach { Text(it) }
            Text(outcome.standing.summary, style = MaterialTheme.typography.bodySmall)
        }
    }
}

@Composable
private fun HandPicker(texts: TaskRunTexts, hand: Hand, enabled: Boolean, onHand: (Hand) -> Unit) {
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        texts.hands.forEach { h ->
            FilterChip(selected = h.hand == hand, enabled = enabled, onClick = { onHand(h.hand) }, label = { Text(h.label) })
        }
    }
}

@Composable
private fun TappingTask(app: TwitchWatchApp, card: TaskCard, texts: TaskRunTexts) {
    val run = remember { TappingRun(durationMs = card.durationS.toLong() * 1000) }
    var phase by remember { mutableStateOf(run.phase) }
    var secondsLeft by remember { mutableStateOf(card.durationS.toLong()) }
    var taps by remember { mutableStateOf(0) }
    var areaPx by remember { mutableStateOf(IntSize.Zero) }
    var error by remember { mutableStateOf<String?>(null) }
    val density = LocalDensity.current.density
    LaunchedEffect(phase) {
        if (phase is RunPhase.Running) {
            while (true) {
                val now = SystemClock.uptimeMillis()
                secondsLeft = run.currentRecorder?.countdown?.secondsLeft(now) ?: 0L
                if (run.tick(now) !is RunPhase.Running) break
                delay(100)
            }
        }
        if (run.phase is RunPhase.Finished) {
            withContext(Dispatchers.IO) { run.recordFinished { app.core.tasks().recordTapping(it) } }
            error = run.lastError
        }
        phase = run.phase
    }
    when (val p = phase) {
        is RunPhase.Ready -> Button(onClick = {
            // Targets and taps in the tapping area's own points (dp), as the core expects.
            val targets = twoTargets(areaPx.width / density.toDouble(), areaPx.height / density.toDouble())
            run.start(targets, wallNow(), SystemClock.uptimeMillis())
            taps = 0
            secondsLeft = card.durationS.toLong()
            phase = run.phase
        }) { Text(texts.option(p.hand).startLabel) }
        is RunPhase.Running -> Text(tappingProgressLabel(p.hand, secondsLeft.toUInt(), taps.toUInt()), fontWeight = FontWeight.Bold)
        is RunPhase.Finished -> Text(texts.savingLabel)
        RunPhase.Done -> Text(texts.bothHandsDone, fontWeight = FontWeight.Bold)
    }
    ErrorText(error)
    val targetColor = MaterialTheme.colorScheme.primary
    Canvas(
        Modifier.fillMaxWidth().height(280.dp)
            .onSizeChanged { areaPx = it }
            .pointerInput(Unit) {
                awaitEachGesture {
                    val down = awaitFirstDown()
                    // The touch's own event time, on the same clock as the countdown.
                    if (run.onTouch(down.uptimeMillis, down.position.x / density.toDouble(), down.position.y / density.toDouble())) taps++
                }
            },
    ) {
        val targets = twoTargets(size.width.toDouble(), size.height.toDouble())
        targets.forEach { t -> drawCircle(targetColor, radius = 36.dp.toPx(), center = Offset(t.xPt.toFloat(), t.yPt.toFloat())) }
    }
    run.outcomes.forEach { Outcome(it) }
}

@Composable
private fun GripTask(app: TwitchWatchApp, card: TaskCard, state: TasksState) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var hand by remember { mutableStateOf(Hand.RIGHT) }
    var recorder by remember { mutableStateOf<GripRecorder?>(null) }
    var holding by remember { mutableStateOf(false) }
    var secondsLeft by remember { mutableStateOf(card.durationS.toLong()) }
    val question = state.texts.gripQuestion
    var rating by remember { mutableStateOf(question.initial.toInt().toFloat()) }
    var outcome by remember { mutableStateOf<TaskOutcome?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    val sensors = remember { context.getSystemService(Context.SENSOR_SERVICE) as SensorManager }
    val listener = remember {
        object : SensorEventListener {
            override fun onSensorChanged(event: SensorEvent) {
                // Sensor timestamps are ns on the elapsed-realtime clock the countdown also uses.
                recorder?.onSampleMetresPerS2(
                    event.timestamp / 1_000_000,
                    event.values[0].toDouble(), event.values[1].toDouble(), event.values[2].toDouble(),
                )
            }

            override fun onAccuracyChanged(sensor: Sensor?, accuracy: Int) {}
        }
    }
    DisposableEffect(Unit) { onDispose { sensors.unregisterListener(listener) } }
    LaunchedEffect(holding) {
        val r = recorder ?: return@LaunchedEffect
        while (holding) {
            val now = SystemClock.elapsedRealtime()
            secondsLeft = r.countdown.secondsLeft(now)
            if (r.isOver(now)) break
            delay(100)
        }
        sensors.unregisterListener(listener)
        holding = false
    }
    Text(state.gripProxyLimits, style = MaterialTheme.typography.bodySmall)
    HandPicker(state.texts, hand, enabled = !holding) { hand = it; recorder = null; outcome = null }
    val r = recorder
    if (r == null || (!holding && outcome != null)) {
        Button(onClick = {
            val next = GripRecorder(hand, card.durationS.toLong() * 1000)
            val accelerometer = sensors.getDefaultSensor(Sensor.TYPE_ACCELEROMETER)
            if (accelerometer == null) {
                error = state.texts.noAccelerometerNote
            } else {
                sensors.registerListener(listener, accelerometer, SensorManager.SENSOR_DELAY_GAME)
                next.start(wallNow(), SystemClock.elapsedRealtime())
            }
            recorder = next
            outcome = null
            holding = accelerometer != null
        }) { Text(state.texts.option(hand).holdStartLabel) }
    } else if (holding) {
        Text(holdProgressLabel(secondsLeft.toUInt()), fontWeight = FontWeight.Bold)
        OutlinedButton(onClick = { r.lower(SystemClock.elapsedRealtime()); holding = false }) { Text(state.texts.loweredLabel) }
    } else {
        Text(question.question)
        Text("${question.lowestLabel} · ${question.highestLabel}: ${rating.toInt()}", style = MaterialTheme.typography.bodySmall)
        val low = question.lowest.toInt().toFloat()
        val high = question.highest.toInt().toFloat()
        Slider(value = rating, onValueChange = { rating = it }, valueRange = low..high, steps = (high - low).toInt() - 1)
        Button(onClick = {
            scope.launch {
                val saved = withContext(Dispatchers.IO) { attempt { app.core.tasks().recordGrip(r.input(rating.toInt())) } }
                when (saved) {
                    is UiResult.Ok -> { outcome = saved.value; error = null }
                    is UiResult.Failed -> error = saved.message
                }
            }
        }) { Text(state.texts.saveLabel) }
    }
    ErrorText(error)
    outcome?.let { Outcome(it) }
}

@Composable
private fun TremorTask(app: TwitchWatchApp, card: TaskCard, texts: TaskRunTexts) {
    var hand by remember { mutableStateOf(Hand.RIGHT) }
    var run by remember { mutableStateOf<TremorRun?>(null) }
    var running by remember { mutableStateOf(false) }
    var secondsLeft by remember { mutableStateOf(card.durationS.toLong()) }
    var progress by remember { mutableStateOf(0f) }
    var outcome by remember { mutableStateOf<TaskOutcome?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    DisposableEffect(Unit) { onDispose { run?.let { if (!it.finished) it.cancel() } } }
    LaunchedEffect(running) {
        val r = run ?: return@LaunchedEffect
        if (!running) return@LaunchedEffect
        while (true) {
            val now = SystemClock.elapsedRealtime()
            secondsLeft = r.countdown.secondsLeft(now)
            progress = r.countdown.fraction(now)
            if (r.isOver(now)) break
            delay(200)
        }
        when (val done = withContext(Dispatchers.IO) { r.finish() }) {
            is UiResult.Ok -> { outcome = done.value; error = null }
            is UiResult.Failed -> error = done.message
        }
        running = false
    }
    card.notReadyNote?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    HandPicker(texts, hand, enabled = !running) { hand = it }
    if (running) {
        LinearProgressIndicator(progress = { progress }, Modifier.fillMaxWidth())
        Text(secondsLeftLabel(secondsLeft.toUInt()), fontWeight = FontWeight.Bold)
        OutlinedButton(onClick = { run?.cancel(); running = false }) { Text(texts.cancelLabel) }
    } else {
        Button(onClick = {
            val next = TremorRun(app.core.tasks(), card.kind, hand, card.durationS.toLong() * 1000)
            when (val begun = next.begin(wallNow(), SystemClock.elapsedRealtime())) {
                is UiResult.Ok -> { run = next; outcome = null; error = null; running = true }
                is UiResult.Failed -> error = begun.message
            }
        }) { Text(texts.option(hand).startLabel) }
    }
    ErrorText(error)
    outcome?.let { Outcome(it) }
}
