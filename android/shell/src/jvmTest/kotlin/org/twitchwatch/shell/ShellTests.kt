// JVM tests of :shell against the REAL generated bindings and the host build of libtwitchwatch_ffi:
// permission flow per API level, notification routing of a real urgent alert, UI models of real screens.
// Run by tests/apps/run.sh (kotlinc + JNA + kotlinx-coroutines only, so a tiny runner instead of JUnit).
package org.twitchwatch.shell

import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.twitchwatch.core.Screens
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.app.Advertisement
import org.twitchwatch.core.app.OpenOptions
import org.twitchwatch.core.journal.BodySite
import org.twitchwatch.core.journal.CheckIn
import org.twitchwatch.core.journal.Symptom
import org.twitchwatch.core.app.Destination
import org.twitchwatch.core.app.HistoryRange
import org.twitchwatch.core.app.OnboardingStep
import org.twitchwatch.core.app.PairingPhase
import org.twitchwatch.core.model.AlertSeverity
import org.twitchwatch.core.notificationChannels

private class Failure(message: String) : Exception(message)

private fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw Failure(message())
}

private fun <T> eq(actual: T, expected: T, what: String) =
    check(actual == expected) { "$what: expected <$expected>, got <$actual>" }

private val tests = mutableListOf<Pair<String, () -> Unit>>()
private fun test(name: String, body: () -> Unit) { tests += name to body }

private fun now() = System.currentTimeMillis()

/** A fresh store in a temp dir, closed after the test. */
private fun <T> withCore(body: (TwitchWatch, Screens) -> T): T {
    val dir = Files.createTempDirectory("twitchwatch-shell-test")
    val core = TwitchWatch.open(dir.resolve("store").toString(), OpenOptions())
    val screens = core.screens()
    try {
        return body(core, screens)
    } finally {
        screens.close()
        core.closeStore()
        core.close()
        dir.toFile().deleteRecursively()
    }
}

private const val SCAN = AndroidPermissions.BLUETOOTH_SCAN
private const val CONNECT = AndroidPermissions.BLUETOOTH_CONNECT
private const val LOCATION = AndroidPermissions.ACCESS_FINE_LOCATION
private const val POST = AndroidPermissions.POST_NOTIFICATIONS

fun registerTests() {
    test("permission flow asks for location on Android 11 and for scan+connect on 12") {
        eq(PermissionFlow.next(PermissionSnapshot(30, emptySet())), PermissionStep.Request(listOf(LOCATION)), "API 30")
        eq(PermissionFlow.next(PermissionSnapshot(31, emptySet())), PermissionStep.Request(listOf(SCAN, CONNECT)), "API 31")
        eq(PermissionFlow.next(PermissionSnapshot(31, setOf(SCAN))), PermissionStep.Request(listOf(CONNECT)), "half granted")
        eq(PermissionFlow.next(PermissionSnapshot(32, setOf(SCAN, CONNECT))), PermissionStep.Done, "API 32 needs no notification permission")
    }

    test("permission flow explains after a denial and sends to Settings after 'don't ask again'") {
        val denied = PermissionSnapshot(31, emptySet(), rationale = setOf(SCAN), requestedBefore = setOf(SCAN, CONNECT))
        eq(PermissionFlow.next(denied), PermissionStep.ExplainThenRequest(listOf(SCAN, CONNECT)), "rationale")
        val forGood = PermissionSnapshot(31, emptySet(), requestedBefore = setOf(SCAN, CONNECT))
        eq(PermissionFlow.next(forGood), PermissionStep.OpenAppSettings(listOf(SCAN, CONNECT)), "permanently denied")
        val radioOff = PermissionSnapshot(31, setOf(SCAN, CONNECT), bluetoothEnabled = false)
        eq(PermissionFlow.next(radioOff), PermissionStep.EnableBluetooth, "radio off")
    }

    test("notifications are asked once on Android 13 and a 'no' never blocks monitoring") {
        val bt = setOf(SCAN, CONNECT)
        eq(PermissionFlow.next(PermissionSnapshot(33, bt)), PermissionStep.Request(listOf(POST)), "first time")
        eq(PermissionFlow.next(PermissionSnapshot(33, bt, requestedBefore = setOf(POST))), PermissionStep.Done, "declined")
        val p = PermissionFlow.platformPermissions(PermissionSnapshot(33, bt))
        check(p.bluetoothGranted && !p.notificationsGranted) { "core told $p" }
        val old = PermissionFlow.platformPermissions(PermissionSnapshot(30, setOf(LOCATION)))
        check(old.bluetoothGranted && old.notificationsGranted) { "API 30 grants notifications at install: $old" }
    }

    test("onboarding and pairing walk through the real core") {
        withCore { _, screens ->
            val none = PermissionFlow.platformPermissions(PermissionSnapshot(34, emptySet()))
            eq(screens.startDestination(none), Destination.Onboarding, "start")
            val s = screens.onboarding(none)
            eq(s.step, OnboardingStep.DISCLAIMER, "first step")
            check("informational, not a medical device" in s.disclaimer.text) { s.disclaimer.text }
            eq(screens.acceptDisclaimer(none, now()).step, OnboardingStep.PERMISSIONS, "after accepting")
            val granted = PermissionFlow.platformPermissions(PermissionSnapshot(34, setOf(SCAN, CONNECT, POST)))
            eq(screens.onboarding(granted).step, OnboardingStep.PAIRING, "with permissions")

            val t = now()
            val scan = screens.startScan(t)
            eq(scan.phase, PairingPhase.SCANNING, "scanning")
            val ours = scan.scanServiceUuids.first()
            screens.onAdvertisement(Advertisement("C0:FF:EE:00:00:01", "TwitchWatch 01", (-55).toShort(), listOf(ours), t + 10))
            val listed = screens.onAdvertisement(Advertisement("AA:BB:CC:00:00:02", "Earbuds", (-40).toShort(), emptyList(), t + 20))
            eq(listed.candidates.map { it.id }, listOf("C0:FF:EE:00:00:01"), "only the wearable is listed")
            eq(listed.otherDevicesNearby, 1u, "others counted")
            val polar = screens.onAdvertisement(Advertisement("A0:9E:1A:00:00:03", "Polar Sense 1234", (-70).toShort(), listOf("180D"), t + 25))
            check(polar.candidates.any { it.id == "A0:9E:1A:00:00:03" && it.canPair }) { "Polar not pairable: ${polar.candidates}" }
            val paired = screens.pair("C0:FF:EE:00:00:01", t + 30)
            eq(paired.phase, PairingPhase.PAIRED, "paired")
            eq(paired.paired?.sampleRateHz, 200.toUShort(), "our wearable pairs at 200 Hz")
            eq(screens.startDestination(granted), Destination.Today, "onboarding complete")
        }
    }

    test("a swallowing check-in becomes an urgent heads-up notification that opens its alert") {
        withCore { core, screens ->
            val router = NotificationRouter()
            val out = core.journal().recordCheckin(
                CheckIn(now(), listOf(BodySite.RIGHT_HAND), listOf(Symptom.DIFFICULTY_SWALLOWING), "")
            )
            val urgent = out.alerts.firstOrNull { it.severity == AlertSeverity.URGENT }
                ?: throw Failure("no urgent alert in ${out.alerts}")
            val n = screens.notificationFor(urgent.id)
            val plan = router.plan(n)
            eq(plan.channelId, "twitchwatch.alerts.urgent", "channel")
            check(plan.headsUp && plan.priority == 1 && !plan.onlyAlertOnce) { "urgent must alert: $plan" }
            check(n.title !in plan.publicBody && "swallow" !in plan.publicBody) { "lock screen leaks: ${plan.publicBody}" }
            check(router.plan(n).onlyAlertOnce) { "re-posting the same alert must not alert again" }
            val dest = router.route(plan.deepLink)
            val id = (dest as? Destination.Alert)?.alertId ?: throw Failure("tap opens $dest")
            val card = screens.alertDetail(id).card()
            eq(card.tone, Tone.CRITICAL, "tone")
            check(card.evidence.any { it.startsWith("Check-in") }) { "evidence: ${card.evidence}" }
            eq(router.route(null), Destination.Today, "plain launch")
            eq(router.route("twitchwatch://tasks"), Destination.Tasks, "the tasks link")
            core.alerts().acknowledge(id)
            val after = screens.alerts()
            check(after.active.none { it.alertId == id }) { "acknowledged alert still active" }
        }
    }

    test("channels come from the core: one per severity plus monitoring") {
        val plans = NotificationRouter().channels(notificationChannels())
        eq(plans.size, 5, "channel count")
        eq(plans.first { it.id == "twitchwatch.alerts.urgent" }.importance, 4, "urgent = IMPORTANCE_HIGH")
        eq(plans.first { it.id == "twitchwatch.alerts.see_a_doctor" }.importance, 3, "see a doctor = DEFAULT")
        eq(plans.first { it.id == "twitchwatch.monitoring" }.importance, 2, "monitoring = LOW")
    }

    test("bad input comes back as the core's message, never a crash") {
        withCore { _, screens ->
            val day = screens.journal(null, now()).date
            when (val r = attempt { screens.setJournalValue(day, "caffeine_mg", "-5", now()) }) {
                is UiResult.Failed -> check("caffeine" in r.message) { r.message }
                is UiResult.Ok -> throw Failure("negative caffeine accepted")
            }
            when (val r = attempt { screens.alertDetail("no-such-alert") }) {
                is UiResult.Failed -> check("no-such-alert" in r.message) { r.message }
                is UiResult.Ok -> throw Failure("unknown alert found")
            }
            try {
                screens.pair("never-seen", now())
                throw Failure("pairing an unseen device succeeded")
            } catch (e: TwitchWatchException.NotFound) {
                check("search again" in errorMessage(e)) { errorMessage(e) }
            }
        }
    }

    test("a simulated session fills Today's tiles and the history bars") {
        withCore { core, screens ->
            screens.acceptDisclaimer(PermissionFlow.platformPermissions(PermissionSnapshot(34, emptySet())), now())
            screens.startDemoSession("twitches", 0f, now())
            runBlocking { core.monitoring().waitUntilStopped() }
            val today = screens.today(now())
            eq(todayTiles(today).map { it.label }, listOf("Twitches", "Tremor", "Spasm", "Wear"), "tiles")
            eq(today.hourly.size, 24, "hours")
            val hours = hourBars(today.hourly)
            check(hours.all { it.fraction in 0f..1f }) { "hour fractions $hours" }
            val history = screens.history(HistoryRange.WEEK, now())
            val twitches = bars(history.charts.first())
            eq(twitches.size, 7, "a week of bars")
            check(twitches.any { !it.isGap }) { "simulated data missing from the chart: $twitches" }
            check(twitches.filter { !it.isGap }.maxOf { it.fraction } == 1f) { "tallest bar fills the chart" }
            eq(alertBanner(today), null, "no alert banner")
        }
    }
}

fun main() {
    registerTests()
    registerGattTests { name, body -> tests += name to body }
    registerDataKeyTests { name, body -> tests += name to body }
    registerTaskTests { name, body -> tests += name to body }
    var failed = 0
    for ((name, body) in tests) {
        try {
            body()
            println("ok     $name")
        } catch (e: Throwable) {
            failed++
            println("FAILED $name: ${e.message ?: e}")
            if (e !is Failure) e.printStackTrace(System.out)
        }
    }
    println("shell: ${tests.size - failed} passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
