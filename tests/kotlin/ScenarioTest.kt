// Scenario test of the generated Kotlin bindings against the real library, on the JVM (JNA):
// the whole flow a phone app goes through, plus bad input. Prints one line per check and
// "N passed, N failed"; exits 1 on any failure.
package org.twitchwatch.tests

import kotlinx.coroutines.runBlocking
import org.twitchwatch.core.*
import org.twitchwatch.core.alerts.*
import org.twitchwatch.core.app.*
import org.twitchwatch.core.journal.*
import org.twitchwatch.core.model.*
import org.twitchwatch.core.report.*
import org.twitchwatch.core.rules.*
import org.twitchwatch.core.store.*
import java.nio.file.Files
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
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

/** Listeners hear on their own delivery threads, after the call that caused what they hear. */
fun eventually(condition: () -> Boolean, message: () -> String) {
    val deadline = System.nanoTime() + 30_000_000_000L
    while (!condition()) {
        if (System.nanoTime() > deadline) throw AssertionError(message())
        Thread.sleep(5)
    }
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

/** Collects everything a session reports; what a Compose screen model would hold. */
class RecordingMonitorListener : MonitorListener {
    val events = ConcurrentLinkedQueue<MotorEvent>()
    val minutes = ConcurrentLinkedQueue<MinuteSummary>()
    val states = ConcurrentLinkedQueue<ConnectionState>()
    val progress = AtomicInteger()
    val ended = CountDownLatch(1)
    @Volatile var summary: SessionSummary? = null
    @Volatile var sessionError: TwitchWatchException? = null

    override fun onEvent(event: MotorEvent) { events.add(event) }
    override fun onMinute(minute: MinuteSummary) { minutes.add(minute) }
    override fun onConnection(state: ConnectionState) { states.add(state) }
    override fun onBattery(percent: UByte) {}
    override fun onProgress(stats: StreamStats, fractionDone: Float?) { progress.incrementAndGet() }
    override fun onSessionEnd(summary: SessionSummary, error: TwitchWatchException?) {
        this.summary = summary
        this.sessionError = error
        ended.countDown()
    }
}

/** A buggy app listener: every call throws. TwitchWatch must log it and carry on. */
class ThrowingMonitorListener : MonitorListener {
    val calls = AtomicInteger()
    private fun boom(): Nothing { calls.incrementAndGet(); throw IllegalStateException("listener bug") }
    override fun onEvent(event: MotorEvent) = boom()
    override fun onMinute(minute: MinuteSummary) = boom()
    override fun onConnection(state: ConnectionState) = boom()
    override fun onBattery(percent: UByte) = boom()
    override fun onProgress(stats: StreamStats, fractionDone: Float?) = boom()
    override fun onSessionEnd(summary: SessionSummary, error: TwitchWatchException?) = boom()
}

class RecordingAlertListener : AlertListener {
    val alerts = ConcurrentLinkedQueue<Alert>()
    val notifications = ConcurrentLinkedQueue<NotificationContent>()
    override fun onAlert(alert: Alert, notification: NotificationContent) {
        alerts.add(alert)
        notifications.add(notification)
    }
}

class RecordingLogSink : LogSink {
    val lines = ConcurrentLinkedQueue<String>()
    override fun log(level: LogLevel, target: String, message: String) { lines.add("$level $target $message") }
}

fun main() {
    val dir = Files.createTempDirectory("twitchwatch-kotlin-").toFile()
    val logSink = RecordingLogSink()
    lateinit var tw: TwitchWatch
    val live = RecordingMonitorListener()
    val broken = ThrowingMonitorListener()
    val alertsSeen = RecordingAlertListener()
    // A listener stays registered while its handle is held.
    val registrations = mutableListOf<ListenerHandle>()

    check("library loads; version and movement kinds come from Rust") {
        expect(twitchwatchVersion().isNotBlank()) { "empty version" }
        expect(parseMotorEventKind("twitch") == MotorEventKind.FASCICULATION) { "twitch" }
        expect(motorEventKinds().size == 3) { "kinds: ${motorEventKinds()}" }
    }
    check("log lines reach a Kotlin LogSink") {
        setLogSink(logSink, LogLevel.INFO)
    }
    check("open a store in a temp dir") {
        tw = TwitchWatch.open(dir.absolutePath, OpenOptions())
        expect(tw.dataDir().isNotEmpty()) { "no data dir" }
        expect(tw.devices().paired() == null) { "fresh store has a paired device" }
        registrations += tw.monitoring().addListener(broken)
        registrations += tw.monitoring().addListener(live)
        registrations += tw.alerts().addListener(alertsSeen)
    }
    check("simulated session: events, minutes and connection states reach Kotlin listeners") {
        val names = simulatorScenarios().map { it.name }
        expect("twitches" in names) { "scenarios: $names" }
        tw.monitoring().startSimulated("twitches", 180f, 0f)
        expect(live.ended.await(300, TimeUnit.SECONDS)) { "session did not end in 300 s" }
        runBlocking { tw.monitoring().waitUntilStopped() }
        expect(live.sessionError == null) { "session error: ${live.sessionError}" }
        expect(live.events.isNotEmpty()) { "no events" }
        expect(live.events.any { it.kind == MotorEventKind.FASCICULATION }) { "no twitch in the twitches scenario" }
        expect(live.minutes.size >= 2) { "minutes: ${live.minutes.size}" }
        expect(ConnectionState.Streaming in live.states) { "states: ${live.states}" }
        expect(live.states.last() == ConnectionState.Disconnected) { "last state: ${live.states.last()}" }
        val s = live.summary!!
        expect(s.fasciculations.toInt() == live.events.count { it.kind == MotorEventKind.FASCICULATION }) {
            "summary ${s.fasciculations} vs delivered ${live.events.size}"
        }
        expect(!tw.monitoring().isRunning()) { "still running" }
    }
    check("a listener that throws is survived: it was called, the others still got everything") {
        expect(broken.calls.get() > 0) { "throwing listener never called" }
        expect(live.summary != null) { "good listener starved" }
    }
    check("history: events, minutes and today's summary read back from the store") {
        val now = System.currentTimeMillis()
        val events = tw.history().events(now - 3_600_000, now + 60_000)
        expect(events.size == live.events.size) { "stored ${events.size}, delivered ${live.events.size}" }
        val minutes = tw.history().minutes(now - 3_600_000, now + 60_000)
        expect(minutes.isNotEmpty()) { "no minutes stored" }
        val today = tw.history().today()
        val days = tw.history().dailySummaries(today, today)
        expect(days.size == 1 && days[0].date == today) { "days: $days" }
        expect(days[0].twitchCount > 0u) { "no twitches today: ${days[0]}" }
        expect(tw.history().dataSpan()?.last == today) { "span: ${tw.history().dataSpan()}" }
    }
    check("journal: entries and drinks are stored and read back") {
        val today = tw.history().today()
        tw.journal().put(JournalEntry(date = today, sleepHours = 6.5f, stress010 = 7u, hydration = Hydration.FAIR))
        val entry = tw.journal().addDrink(today, Drink.ESPRESSO, 2u)
        expect(entry.caffeineMg == 2 * drinkCaffeineMg(Drink.ESPRESSO)) { "caffeine: ${entry.caffeineMg}" }
        val back = tw.journal().entry(today)!!
        expect(back.sleepHours == 6.5f && back.stress010 == 7.toUByte() && back.drinks.size == 1) { "read back: $back" }
        expect(tw.journal().entries(today, today).size == 1) { "entries" }
    }
    check("check-in with difficulty swallowing raises the urgent alert, which reaches the listener") {
        val outcome = tw.journal().recordCheckin(
            CheckIn(atMs = System.currentTimeMillis(), symptoms = listOf(Symptom.DIFFICULTY_SWALLOWING), note = "")
        )
        val urgent = outcome.alerts.firstOrNull { it.severity == AlertSeverity.URGENT }
            ?: throw AssertionError("no urgent alert in ${outcome.alerts}")
        expect(urgent.rule == RuleId.SWALLOWING_OR_SPEAKING) { "rule ${urgent.rule}" }
        expect(urgent.title.isNotBlank() && urgent.message.isNotBlank()) { "empty text: $urgent" }
        eventually({ alertsSeen.alerts.any { it.id == urgent.id } }) { "listener did not get ${urgent.id}: ${alertsSeen.alerts}" }
        val n = alertsSeen.notifications.first { it.alertId == urgent.id }
        expect(n.headsUp && n.interruptionLevel == InterruptionLevel.TIME_SENSITIVE && n.androidImportance == AndroidImportance.HIGH) {
            "urgent notification: $n"
        }
        expect(destinationFromDeepLink(n.deepLink) == Destination.Alert(urgent.id)) { "deep link ${n.deepLink}" }
        expect(notificationChannels().any { it.id == n.channelId && it.importanceValue == 4 }) { "channel ${n.channelId}" }
        expect(tw.alerts().list().first().id == urgent.id) { "urgent alert is not first: ${tw.alerts().list().map { it.id }}" }
        val acked = tw.alerts().acknowledge(urgent.id)
        expect(acked.status == AlertStatus.ACKNOWLEDGED) { "status ${acked.status}" }
        expect(tw.journal().checkins(0, System.currentTimeMillis() + 60_000).size == 1) { "check-in not stored" }
    }
    check("screen states: today, alerts, history and the monitoring notification come from the core") {
        tw.screens().let { screens ->
            val today = screens.today()
            expect(today.counts.twitches > 0u && today.counts.twitchesLabel.isNotBlank()) { "today: ${today.counts}" }
            val alerts = screens.alerts()
            // The urgent alert was acknowledged above: it moved out of "active".
            expect(alerts.acknowledged.any { it.severity == AlertSeverity.URGENT } && alerts.active.none { it.severity == AlertSeverity.URGENT }) {
                "alerts: $alerts"
            }
            expect(alerts.headline.isNotBlank() && alerts.disclaimerLine.isNotBlank()) { "alerts: $alerts" }
            val history = screens.history(HistoryRange.WEEK)
            expect(history.charts.isNotEmpty() && history.daysWithData >= 1u) { "history: ${history.daysWithData}" }
            expect(screens.monitoringNotification().channelId.isNotBlank()) { "ongoing notification" }
            expect(screens.startDestination(PlatformPermissions(true, true)) == Destination.Onboarding) { "start" }
            expectThrows<TwitchWatchException.NotFound> { screens.alertDetail("nope") }
        }
    }
    check("rules and thresholds are listed with their basis") {
        expect(tw.alerts().rules().any { it.id == RuleId.SWALLOWING_OR_SPEAKING && it.severity == AlertSeverity.URGENT }) { "rules" }
        val t = tw.alerts().thresholds()
        expect(t.isNotEmpty() && t.all { it.min <= it.value && it.value <= it.max }) { "thresholds: $t" }
    }
    check("log lines were forwarded to Kotlin, only from our crates") {
        expect(logSink.lines.isNotEmpty()) { "no log lines" }
        expect(logSink.lines.all { it.split(" ")[1].startsWith("twitchwatch") }) { "foreign lines: ${logSink.lines}" }
        expect(logSink.lines.none { it.startsWith("DEBUG") || it.startsWith("TRACE") }) { "level filter" }
    }

    // ---- bad input: a Kotlin exception with a clear message, never a crash ----
    check("NaN sleep hours -> InvalidInput naming the field") {
        val e = expectThrows<TwitchWatchException.InvalidInput> {
            tw.journal().put(JournalEntry(date = tw.history().today(), sleepHours = Float.NaN))
        }
        expect(e.reason.contains("sleep")) { e.reason }
    }
    check("negative caffeine -> InvalidInput naming the field") {
        val e = expectThrows<TwitchWatchException.InvalidInput> {
            tw.journal().put(JournalEntry(date = tw.history().today(), caffeineMg = -5f))
        }
        expect(e.reason.contains("caffeine")) { e.reason }
    }
    check("a future journal day and a malformed date -> InvalidInput") {
        expectThrows<TwitchWatchException.InvalidInput> { tw.journal().put(JournalEntry(date = "2999-01-01")) }
        val e = expectThrows<TwitchWatchException.InvalidInput> { tw.journal().entry("25/11/2026") }
        expect(e.reason.contains("YYYY-MM-DD")) { e.reason }
    }
    check("shell-managed BLE: battery pushed by the app reaches the listener; unknown device refused") {
        // The characteristics as a platform names them (docs/protocol.md); a phone's session asks for them.
        val dataUuid = "54570003-8f3c-4b1e-9a6d-2c5e0f7a1b00"
        val batteryLevelUuid = "2A19"
        val none = expectThrows<TwitchWatchException.InvalidState> {
            tw.monitoring().pushNotification("AA:BB:CC:DD:EE:FF", dataUuid, byteArrayOf(1, 2, 3), 0)
        }
        expect(none.reason.contains("pair")) { none.reason }
        tw.devices().pair(PairedDevice("11:22:33:44:55:66", "TW-1", DeviceProtocol.TWITCH_WATCH_V1, 100u, true, System.currentTimeMillis()))
        expect(tw.devices().paired()?.name == "TW-1") { "paired: ${tw.devices().paired()}" }
        val battery = RecordingMonitorListener()
        val levels = ConcurrentLinkedQueue<Int>()
        val batteryHandle = tw.monitoring().addListener(object : MonitorListener by battery {
            override fun onBattery(percent: UByte) { levels.add(percent.toInt()) }
        })
        tw.monitoring().pushNotification("11:22:33:44:55:66", batteryLevelUuid, byteArrayOf(87), System.currentTimeMillis() * 1000)
        eventually({ levels.toList() == listOf(87) }) { "battery: $levels" }
        batteryHandle.cancel()
        tw.monitoring().pushNotification("11:22:33:44:55:66", batteryLevelUuid, byteArrayOf(86), System.currentTimeMillis() * 1000)
        Thread.sleep(200)
        expect(levels.toList() == listOf(87)) { "a cancelled listener was called: $levels" }
        val stranger = expectThrows<TwitchWatchException.NotFound> {
            tw.monitoring().pushNotification("AA:BB:CC:DD:EE:FF", dataUuid, byteArrayOf(1, 2, 3), 0)
        }
        expect(stranger.reason.contains("AA:BB:CC:DD:EE:FF")) { stranger.reason }
        val frame = expectThrows<TwitchWatchException.InvalidInput> {
            tw.monitoring().pushNotification("11:22:33:44:55:66", dataUuid, byteArrayOf(1, 2, 3), 0)
        }
        expect(frame.reason.contains("frame")) { frame.reason }
        expectThrows<TwitchWatchException.InvalidInput> {
            tw.monitoring().pushNotification("11:22:33:44:55:66", "not-a-uuid", byteArrayOf(1), 0)
        }
        expectThrows<TwitchWatchException.NotFound> { tw.devices().removeKnown("AA:BB:CC:DD:EE:FF") }
        expect(tw.devices().forget()?.id == "11:22:33:44:55:66") { "forget" }
    }
    check("report and export are written to files") {
        val out = Files.createTempDirectory("twitchwatch-report-").toFile()
        val report = runBlocking { tw.report().write(out.resolve("report.html").path, null, null) }
        val html = out.resolve("report.html").readText()
        expect(html.contains("<svg") && html.contains("not a medical device")) { "report html (${html.length} chars)" }
        expect(report.to == tw.history().today() && report.summary.isNotEmpty()) { "report: $report" }
        val json = runBlocking { tw.report().export(out.resolve("export.json").path, ExportFormat.JSON, emptyList(), null, null) }
        expect(json.files.size == 1 && json.rows.first { it.section == ExportSection.EVENTS }.rows > 0u) { "export: $json" }
        val csv = runBlocking {
            tw.report().export(out.resolve("csv").path, ExportFormat.CSV, listOf(ExportSection.DAYS, ExportSection.JOURNAL), null, null)
        }
        expect(csv.files.size == 2) { "csv files: ${csv.files}" }
        val bad = expectThrows<TwitchWatchException> {
            runBlocking { tw.report().write("/proc/no-such-dir/report.html", null, null) }
        }
        expect(bad is TwitchWatchException.Io && bad.message!!.contains("/proc/no-such-dir")) { "bad report path: $bad" }
        expectThrows<TwitchWatchException.InvalidInput> {
            runBlocking { tw.report().write(out.resolve("r2.html").path, "2999-01-01", null) }
        }
        out.deleteRecursively()
    }
    check("bad path -> Io exception with the path in the message") {
        val file = Files.createTempFile("twitchwatch-not-a-dir", ".txt").toFile()
        val e = expectThrows<TwitchWatchException> { TwitchWatch.open(file.absolutePath + "/store", OpenOptions()) }
        expect(e is TwitchWatchException.Io || e is TwitchWatchException.Storage) { "kind: $e" }
        expect(e.message!!.contains(file.name)) { e.message!! }
        expectThrows<TwitchWatchException.InvalidInput> { TwitchWatch.open("  ", OpenOptions()) }
    }
    check("unknown scenario, NaN speed, unknown threshold, out-of-bounds threshold, bad alert id") {
        val sc = expectThrows<TwitchWatchException.NotFound> { tw.monitoring().startSimulated("moonwalk", null, 1f) }
        expect(sc.reason.contains("twitches")) { sc.reason }
        expectThrows<TwitchWatchException.InvalidInput> { tw.monitoring().startSimulated("rest", null, Float.NaN) }
        expectThrows<TwitchWatchException.NotFound> { tw.alerts().setThreshold("no_such_key", 1.0) }
        val key = tw.alerts().thresholds().first()
        expectThrows<TwitchWatchException.InvalidInput> { tw.alerts().setThreshold(key.key, key.max + 1e6) }
        expectThrows<TwitchWatchException.NotFound> { tw.alerts().acknowledge("nope") }
        expectThrows<TwitchWatchException.InvalidInput> { tw.history().events(10, 0) }
    }
    check("stop while running returns and ends the session") {
        val l = RecordingMonitorListener()
        registrations += tw.monitoring().addListener(l)
        tw.monitoring().startSimulated("mixed", null, 1f)
        val again = expectThrows<TwitchWatchException.InvalidState> { tw.monitoring().startSimulated("mixed", null, 1f) }
        expect(again.reason.contains("already running")) { again.reason }
        runBlocking { tw.monitoring().stop() }
        expect(l.ended.await(30, TimeUnit.SECONDS)) { "no session end after stop" }
        expect(!tw.monitoring().isRunning()) { "still running after stop" }
    }
    check("sixteen threads adding a drink at once lose no serving") {
        val today = tw.history().today()
        val before = tw.journal().entry(today)?.drinks?.firstOrNull { it.drink == Drink.GREEN_TEA }?.servings?.toInt() ?: 0
        val threads = (1..16).map {
            Thread { repeat(2) { tw.journal().addDrink(today, Drink.GREEN_TEA, 1u) } }.also { it.start() }
        }
        threads.forEach { it.join() }
        val after = tw.journal().entry(today)!!.drinks.first { it.drink == Drink.GREEN_TEA }.servings.toInt()
        expect(after - before == 32) { "32 servings added, ${after - before} stored" }
    }
    check("a malformed day inside a record is InvalidInput, not an internal error") {
        val e = expectThrows<TwitchWatchException.InvalidInput> { tw.journal().put(JournalEntry(date = "2026-13-45")) }
        expect(e.reason.contains("2026-13-45")) { e.reason }
    }
    check("closeStore releases the store at once; later calls are InvalidState; it can be reopened") {
        val journal = tw.journal()
        tw.closeStore()
        expect(tw.isClosed()) { "not closed" }
        val e = expectThrows<TwitchWatchException.InvalidState> { journal.entry(tw.history().today()) }
        expect(e.reason.contains("closed")) { e.reason }
        expectThrows<TwitchWatchException.InvalidState> { tw.monitoring().startSimulated("rest", null, 0f) }
        tw.closeStore()
        tw.close()
        TwitchWatch.open(dir.absolutePath, OpenOptions()).use { again ->
            expect(again.journal().entry(again.history().today()) != null) { "journal lost after reopen" }
        }
    }
    check("an encrypted store opens with its key, refuses another, and delete-all-data leaves nothing") {
        val secretDir = Files.createTempDirectory("twitchwatch-kotlin-key-").toFile()
        val key = generateDataKey()
        expect(key.size == 32) { "key of ${key.size} bytes" }
        val note = "kotlin-secret-note-7f3a"
        TwitchWatch.open(secretDir.absolutePath, OpenOptions(dataKey = key)).use { s ->
            s.journal().put(JournalEntry(date = s.history().today(), notes = note))
            s.closeStore()
        }
        val leaked = secretDir.walkTopDown().filter { it.isFile }
            .any { String(it.readBytes(), Charsets.ISO_8859_1).contains(note) }
        expect(!leaked) { "the note is readable in a file of the store" }
        val wrong = expectThrows<TwitchWatchException.WrongKey> {
            TwitchWatch.open(secretDir.absolutePath, OpenOptions(dataKey = generateDataKey()))
        }
        expect(wrong.reason.isNotBlank()) { "empty reason" }
        expectThrows<TwitchWatchException.WrongKey> { TwitchWatch.open(secretDir.absolutePath, OpenOptions()) }
        expectThrows<TwitchWatchException.InvalidInput> {
            TwitchWatch.open(secretDir.absolutePath, OpenOptions(dataKey = ByteArray(31)))
        }
        TwitchWatch.open(secretDir.absolutePath, OpenOptions(dataKey = key)).use { s ->
            expect(s.journal().entry(s.history().today())?.notes == note) { "note not read back with the right key" }
            s.closeStore()
        }
        deleteAllData(secretDir.absolutePath)
        expect(!secretDir.exists() || secretDir.listFiles()!!.isEmpty()) { "files left: ${secretDir.list()?.toList()}" }
        TwitchWatch.open(secretDir.absolutePath, OpenOptions(dataKey = key)).use { s ->
            expect(s.journal().entry(s.history().today()) == null) { "a journal entry survived deletion" }
        }
        secretDir.deleteRecursively()
    }
    clearLogSink()
    dir.deleteRecursively()
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
