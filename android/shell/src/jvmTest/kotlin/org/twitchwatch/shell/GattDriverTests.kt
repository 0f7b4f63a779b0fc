// The Android GATT driver's platform-free half on the JVM: the recorded Polar dialogue
// (tests/fixtures/polar-dialogue.json, shared with the Rust and Python tests) is played through
// GattDriver by a scripted GattLink, into the REAL library through the generated bindings.
package org.twitchwatch.shell

import java.io.File
import java.nio.file.Files
import org.twitchwatch.core.alerts.Alert
import org.twitchwatch.core.AlertListener
import org.twitchwatch.core.MonitorListener
import org.twitchwatch.core.PhoneGattSession
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.app.NotificationContent
import org.twitchwatch.core.app.OpenOptions
import org.twitchwatch.core.journal.BodySite
import org.twitchwatch.core.journal.CheckIn
import org.twitchwatch.core.journal.Symptom
import org.twitchwatch.core.app.SessionSummary
import org.twitchwatch.core.device.ReconnectPolicy
import org.twitchwatch.core.device.SessionConfig
import org.twitchwatch.core.model.ConnectionState
import org.twitchwatch.core.model.DeviceProtocol
import org.twitchwatch.core.model.AlertSeverity
import org.twitchwatch.core.model.MinuteSummary
import org.twitchwatch.core.model.MotorEvent
import org.twitchwatch.core.model.MotorEventKind
import org.twitchwatch.core.model.PairedDevice
import org.twitchwatch.core.model.StreamStats

private class GattFailure(message: String) : Exception(message)

private fun need(condition: Boolean, message: () -> String) {
    if (!condition) throw GattFailure(message())
}

/** A small JSON reader: the test runs with the Kotlin standard library only. */
private class Json(private val text: String) {
    private var i = 0

    fun parse(): Any? = value().also { space(); need(i == text.length) { "trailing JSON at $i" } }

    private fun space() { while (i < text.length && text[i].isWhitespace()) i++ }

    private fun value(): Any? {
        space()
        return when (val c = text[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> word("true", true)
            'f' -> word("false", false)
            'n' -> word("null", null)
            else -> if (c == '-' || c.isDigit()) num() else throw GattFailure("bad JSON at $i: $c")
        }
    }

    private fun word(w: String, v: Any?): Any? {
        need(text.startsWith(w, i)) { "bad JSON at $i" }
        i += w.length
        return v
    }

    private fun num(): Long {
        val start = i
        if (text[i] == '-') i++
        while (i < text.length && text[i].isDigit()) i++
        return text.substring(start, i).toLong()
    }

    private fun str(): String {
        val sb = StringBuilder()
        i++
        while (text[i] != '"') {
            if (text[i] == '\\') {
                i++
                when (val e = text[i]) {
                    'n' -> sb.append('\n')
                    't' -> sb.append('\t')
                    'u' -> { sb.append(text.substring(i + 1, i + 5).toInt(16).toChar()); i += 4 }
                    else -> sb.append(e)
                }
            } else {
                sb.append(text[i])
            }
            i++
        }
        i++
        return sb.toString()
    }

    private fun arr(): List<Any?> {
        val out = mutableListOf<Any?>()
        i++
        space()
        if (text[i] == ']') { i++; return out }
        while (true) {
            out += value()
            space()
            if (text[i++] == ']') return out
        }
    }

    private fun obj(): Map<String, Any?> {
        val out = LinkedHashMap<String, Any?>()
        i++
        space()
        if (text[i] == '}') { i++; return out }
        while (true) {
            space()
            val k = str()
            space()
            i++ // ':'
            out[k] = value()
            space()
            if (text[i++] == '}') return out
        }
    }
}

@Suppress("UNCHECKED_CAST")
private fun Any?.obj() = this as Map<String, Any?>
@Suppress("UNCHECKED_CAST")
private fun Any?.list() = this as List<Any?>

private fun unhex(s: String) = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
private fun hex(b: ByteArray) = b.joinToString("") { "%02x".format(it) }

/** The fixture's path: from the repository root (tests/apps/run.sh runs there) or TW_FIXTURES. */
private fun fixture(): Map<String, Any?> {
    val dir = System.getenv("TW_FIXTURES") ?: "tests/fixtures"
    return Json(File(dir, "polar-dialogue.json").readText()).parse().obj()
}

/** Performs nothing: it writes down each action as the fixture spells it, for the test to compare. */
private class ScriptedLink : GattLink {
    val performed = ArrayDeque<Map<String, Any?>>()
    var refuseWrites = false
    var timer: Long? = null

    override fun connect(): Boolean { performed += mapOf("action" to "connect"); return true }
    override fun discoverServices(serviceUuid: String): Boolean {
        performed += mapOf("action" to "discover_services", "service_uuid" to serviceUuid); return true
    }
    override fun requestMtu(mtu: Int): Boolean {
        performed += mapOf("action" to "request_mtu", "mtu" to mtu.toLong()); return true
    }
    override fun read(characteristicUuid: String): Boolean {
        performed += mapOf("action" to "read", "characteristic_uuid" to characteristicUuid); return true
    }
    override fun subscribe(characteristicUuid: String, indications: Boolean): Boolean {
        performed += mapOf("action" to "subscribe", "characteristic_uuid" to characteristicUuid, "indications" to indications)
        return true
    }
    override fun write(characteristicUuid: String, bytes: ByteArray, withResponse: Boolean): Boolean {
        performed += mapOf(
            "action" to "write", "characteristic_uuid" to characteristicUuid, "hex" to hex(bytes),
            "with_response" to withResponse,
        )
        return !refuseWrites
    }
    override fun disconnect() { performed += mapOf("action" to "disconnect") }
    override fun armTimer(deadlineUs: Long) { timer = deadlineUs }
}

/** The app's alert listener: every alert becomes the NotificationRouter's post plan, as on a phone.
 *  Called on the listener's own delivery thread, so the test reads what it heard through a lock. */
private class Posted(val router: NotificationRouter) : AlertListener {
    val plans: MutableList<PostPlan> = java.util.Collections.synchronizedList(mutableListOf())
    override fun onAlert(alert: Alert, notification: NotificationContent) { plans += router.plan(notification) }
}

/** What the app's listeners hear from the core, on the listener's own delivery thread. */
private class Heard : MonitorListener {
    val states: MutableList<ConnectionState> = java.util.Collections.synchronizedList(mutableListOf())
    val battery: MutableList<Int> = java.util.Collections.synchronizedList(mutableListOf())
    val events: MutableList<MotorEventKind> = java.util.Collections.synchronizedList(mutableListOf())
    @Volatile var ended: SessionSummary? = null
    @Volatile var endError: TwitchWatchException? = null
    val endedLatch = java.util.concurrent.CountDownLatch(1)
    override fun onEvent(event: MotorEvent) { events += event.kind }
    override fun onMinute(minute: MinuteSummary) {}
    override fun onConnection(state: ConnectionState) { states += state }
    override fun onBattery(percent: UByte) { battery += percent.toInt() }
    override fun onProgress(stats: StreamStats, fractionDone: Float?) {}
    override fun onSessionEnd(summary: SessionSummary, error: TwitchWatchException?) {
        endError = error
        ended = summary
        endedLatch.countDown()
    }
}

private fun stateName(s: ConnectionState) = when (s) {
    is ConnectionState.Connecting -> "connecting"
    is ConnectionState.Connected -> "connected"
    is ConnectionState.Streaming -> "streaming"
    is ConnectionState.Reconnecting -> "reconnecting"
    is ConnectionState.Disconnected -> "disconnected"
    else -> s.toString()
}

private fun <T> withPairedPolar(fx: Map<String, Any?>, body: (TwitchWatch, PhoneGattSession) -> T): T {
    val dir = Files.createTempDirectory("twitchwatch-gatt-test")
    val core = TwitchWatch.open(dir.resolve("store").toString(), OpenOptions())
    try {
        val d = fx["device"].obj()
        core.devices().pair(
            PairedDevice(
                d["id"] as String, d["name"] as String, DeviceProtocol.POLAR_PMD,
                (d["sample_rate_hz"] as Long).toInt().toUShort(), d["with_gyro"] as Boolean, 0L,
            ),
        )
        val s = fx["session"].obj()
        val config = SessionConfig(
            (s["connect_timeout_ms"] as Long).toULong(), (s["response_timeout_ms"] as Long).toULong(),
            (s["data_timeout_ms"] as Long).toULong(), (s["mtu"] as Long).toInt().toUShort(),
            ReconnectPolicy(200uL, 2_000uL, null), 1uL,
        )
        val session = PhoneGattSession(core, config)
        try {
            return body(core, session)
        } finally {
            session.close()
        }
    } finally {
        core.closeStore()
        core.close()
        dir.toFile().deleteRecursively()
    }
}

fun registerGattTests(test: (String, () -> Unit) -> Unit) {
    test("the recorded Polar dialogue runs through the GATT driver to twitches in the store and an alert") {
        val fx = fixture()
        withPairedPolar(fx) { core, session ->
            val heard = Heard()
            val handle = core.monitoring().addListener(heard)
            val posted = Posted(NotificationRouter())
            val alertHandle = core.alerts().addListener(posted)
            val link = ScriptedLink()
            val start = fx["start_us"] as Long
            var now = start
            val problems = mutableListOf<String>()
            var finished: String? = "not finished"
            val driver = GattDriver(session, link, { now }, { problems += it }, { finished = it })
            driver.start()
            for (x in fx["exchanges"].list()) {
                val entry = x.obj()
                val core0 = entry["core"]
                if (core0 != null) {
                    val got = link.performed.removeFirstOrNull() ?: throw GattFailure("no action where the fixture has $core0")
                    need(got == core0.obj()) { "action: expected $core0, got $got" }
                    continue
                }
                now = start + (entry["at_ms"] as Long) * 1000
                val e = entry["shell"].obj()
                val uuid = e["characteristic_uuid"] as String?
                val bytes = { unhex(e["hex"] as String) }
                when (val name = e["event"] as String) {
                    "connected" -> driver.onConnected()
                    "services_discovered" -> driver.onServicesDiscovered(e["characteristic_uuids"].list().map { it as String })
                    "mtu_changed" -> driver.onMtuChanged((e["mtu"] as Long?)?.toInt())
                    "subscribed" -> driver.onSubscribed(uuid!!)
                    "write_acknowledged" -> driver.onWriteAcknowledged(uuid!!)
                    "read_result" -> driver.onRead(uuid!!, bytes())
                    "indication" -> driver.onIndication(uuid!!, bytes())
                    "notification" -> driver.onNotification(uuid!!, bytes())
                    "stop_requested" -> {
                        // While the sensor streams, the user reports trouble swallowing: the urgent
                        // alert reaches the router and the stream goes on to its stop.
                        core.journal().recordCheckin(
                            CheckIn(System.currentTimeMillis(), listOf(BodySite.RIGHT_HAND), listOf(Symptom.DIFFICULTY_SWALLOWING), ""),
                        )
                        driver.stop()
                    }
                    else -> throw GattFailure("the fixture has an event this test does not know: $name")
                }
            }
            need(link.performed.isEmpty()) { "actions the fixture does not have: ${link.performed}" }
            need(driver.isFinished && finished == null) { "finished=$finished problems=$problems" }
            need(problems.isEmpty()) { "problems: $problems" }

            // The listeners hear on their own delivery threads, after the calls above returned.
            need(heard.endedLatch.await(30, java.util.concurrent.TimeUnit.SECONDS)) { "no onSessionEnd within 30 s" }
            val alertDeadline = System.nanoTime() + 30_000_000_000L
            while (posted.plans.isEmpty() && System.nanoTime() < alertDeadline) Thread.sleep(5)
            val expect = fx["expect"].obj()
            eq(heard.states.map(::stateName), expect["states"].list(), "connection states")
            eq(heard.battery.map { it.toLong() }, expect["battery"].list(), "battery levels")
            val ended = heard.ended ?: throw GattFailure("no onSessionEnd")
            need(heard.endError == null) { "session error: ${heard.endError}" }
            eq(ended.stream.samplesOk.toLong(), expect["samples"] as Long, "samples stored")
            eq(session.streamStats().samplesOk.toLong(), expect["samples"] as Long, "session samples")
            // The scripted hand's twitches are found and stored, and nothing else is.
            val twitches = (expect["fasciculations"] as Long).toInt()
            eq(heard.events, List(twitches) { MotorEventKind.FASCICULATION }, "events heard")
            eq(ended.fasciculations.toInt(), twitches, "session's twitches")
            eq(core.counts().events, twitches.toULong(), "events stored")
            need(core.counts().minutes >= 1uL) { "counts: ${core.counts()}" }
            val plan = posted.plans.singleOrNull() ?: throw GattFailure("alerts posted: ${posted.plans}")
            eq(plan.channelId, "twitchwatch.alerts.urgent", "channel")
            need(plan.headsUp && plan.priority == 1 && !plan.onlyAlertOnce) { "urgent must alert: $plan" }
            eq(core.alerts().list().first().severity, AlertSeverity.URGENT, "stored alert")
            handle.cancel()
            alertHandle.cancel()
        }
    }

    test("a garbled callback is the core's typed refusal and a refused write is retried, never a crash") {
        val fx = fixture()
        withPairedPolar(fx) { _, session ->
            val link = ScriptedLink()
            val problems = mutableListOf<String>()
            var now = fx["start_us"] as Long
            val driver = GattDriver(session, link, { now }, { problems += it })
            driver.start()
            eq(link.performed.removeFirst()["action"], "connect", "first action")
            driver.onConnected()
            val discover = link.performed.removeFirst()
            eq(discover["action"], "discover_services", "second action")
            driver.onServicesDiscovered(listOf("not a uuid"))
            need(problems.singleOrNull()?.contains("not a Bluetooth UUID") == true) { "problems: $problems" }
            need(link.performed.isEmpty() && !driver.isFinished) { "a refused event changed the session" }
            // The platform refuses a write: the session treats it as a lost link and reconnects.
            link.refuseWrites = true
            val d = fx["exchanges"].list().map { it.obj() }.first { it["shell"]?.obj()?.get("event") == "services_discovered" }
            driver.onServicesDiscovered(d["shell"].obj()["characteristic_uuids"].list().map { it as String })
            var guard = 0
            while (link.performed.isNotEmpty() && guard++ < 50) {
                val a = link.performed.removeFirst()
                val uuid = a["characteristic_uuid"] as String?
                when (a["action"]) {
                    "request_mtu" -> driver.onMtuChanged(null)
                    "read" -> driver.onOperationFailed(uuid, "not permitted")
                    "subscribe" -> driver.onSubscribed(uuid!!)
                    "write" -> {}
                    "disconnect" -> {}
                }
            }
            val timer = link.timer ?: throw GattFailure("no back-off timer")
            now = timer
            driver.onTimer()
            eq(link.performed.removeFirstOrNull()?.get("action"), "connect", "reconnects after the back-off")
            need(!driver.isFinished) { "one refused write ended the session: ${session.failure()}" }
        }
    }
}

private fun <T> eq(actual: T, expected: T, what: String) =
    need(actual == expected) { "$what: expected <$expected>, got <$actual>" }
