// View states from the core turned into what Compose draws: tones for severities and connection,
// tiles, bars normalised to their chart, and error text. Presentation only; no decisions about health.
package org.twitchwatch.shell

import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.app.AlertRow
import org.twitchwatch.core.app.ChartSeries
import org.twitchwatch.core.app.ConnectionView
import org.twitchwatch.core.app.HourBucket
import org.twitchwatch.core.app.TodayState
import org.twitchwatch.core.model.AlertSeverity
import org.twitchwatch.core.model.ConnectionState

/** Colour roles; the app maps them to Material 3 colour scheme slots. */
enum class Tone { CRITICAL, WARNING, INFO, NEUTRAL, POSITIVE }

fun AlertSeverity.tone(): Tone = when (this) {
    AlertSeverity.URGENT -> Tone.CRITICAL
    AlertSeverity.SEE_A_DOCTOR -> Tone.WARNING
    AlertSeverity.ADVICE -> Tone.INFO
    AlertSeverity.INFO -> Tone.NEUTRAL
}

fun ConnectionView.tone(): Tone = when (state) {
    is ConnectionState.Streaming -> Tone.POSITIVE
    is ConnectionState.Reconnecting -> Tone.WARNING
    is ConnectionState.Connected, is ConnectionState.Connecting, is ConnectionState.Scanning -> Tone.INFO
    is ConnectionState.Disconnected -> Tone.NEUTRAL
}

data class Tile(val label: String, val value: String, val tone: Tone = Tone.NEUTRAL)

/** The headline tiles of Today, in the order the core gives them. */
fun todayTiles(t: TodayState): List<Tile> = t.tiles.map { Tile(it.title, it.value) }

data class BannerUi(val alertId: String, val title: String, val text: String, val tone: Tone)

fun alertBanner(t: TodayState): BannerUi? =
    t.topAlert?.let { BannerUi(it.alertId, it.title, it.whatToDo, it.severity.tone()) }

data class AlertCardUi(
    val alertId: String,
    val badge: String,
    val title: String,
    val body: String,
    val whatToDo: String,
    val meta: String,
    val evidence: List<String>,
    val tone: Tone,
    val canAcknowledge: Boolean,
    val acknowledgeLabel: String,
)

fun AlertRow.card(): AlertCardUi = AlertCardUi(
    alertId = alertId,
    badge = severityLabel,
    title = title,
    body = body,
    whatToDo = whatToDo,
    meta = listOfNotNull(raisedAtLabel, escalatedLabel).joinToString(" · "),
    evidence = evidence.map { it.text },
    tone = severity.tone(),
    canAcknowledge = canAcknowledge,
    acknowledgeLabel = acknowledgeLabel,
)

/** One bar of a chart: `fraction` of the chart's height; gaps (no data) are drawn as a dash. */
data class Bar(val label: String, val fraction: Float, val valueLabel: String, val isGap: Boolean)

fun bars(series: ChartSeries): List<Bar> {
    val top = if (series.yMax > 0.0) series.yMax else 1.0
    return series.points.map { p ->
        val v = p.value
        if (v == null) Bar(p.label, 0f, "–", true)
        else Bar(p.label, (v / top).coerceIn(0.0, 1.0).toFloat(), formatValue(v), false)
    }
}

fun hourBars(buckets: List<HourBucket>): List<Bar> {
    val top = (buckets.maxOfOrNull { it.twitches.toLong() } ?: 0L).coerceAtLeast(1L)
    return buckets.map { b ->
        Bar(b.label, b.twitches.toLong().toFloat() / top, b.twitches.toString(), b.wornMinutes <= 0.0)
    }
}

private fun formatValue(v: Double): String =
    if (v == Math.floor(v) && v < 1e9) v.toLong().toString() else "%.1f".format(java.util.Locale.ROOT, v)

/** The sentence to show for a failed call: the core's own message, which says what to do. */
fun errorMessage(e: Throwable): String = when (e) {
    is TwitchWatchException -> e.message?.takeIf { it.isNotBlank() } ?: e.toString()
    else -> "Something went wrong: ${e.message ?: e::class.simpleName}"
}

/** A call into the core that either gives a state or a message for the screen. */
sealed class UiResult<out T> {
    data class Ok<T>(val value: T) : UiResult<T>()
    data class Failed(val message: String) : UiResult<Nothing>()
}

inline fun <T> attempt(block: () -> T): UiResult<T> =
    try {
        UiResult.Ok(block())
    } catch (e: TwitchWatchException) {
        UiResult.Failed(errorMessage(e))
    }
