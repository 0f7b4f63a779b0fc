// Compose screens: each renders one view-state record from the core and sends the user's actions back.
// Nothing here decides what to show; labels, orders and hints all come from org.twitchwatch.core.
package org.twitchwatch.app

import android.content.Intent
import android.net.Uri
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.MutableState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.painterResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import androidx.navigation.NavHostController
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.twitchwatch.core.app.Destination
import org.twitchwatch.core.app.ExportOutcome
import org.twitchwatch.core.app.HistoryRange
import org.twitchwatch.core.app.JournalField
import org.twitchwatch.core.app.JournalFieldKind
import org.twitchwatch.core.app.OnboardingStep
import org.twitchwatch.core.app.TodayAction
import org.twitchwatch.core.destinationDeepLink
import org.twitchwatch.core.navigationTabs
import org.twitchwatch.core.journal.BodySite
import org.twitchwatch.core.journal.CheckIn
import org.twitchwatch.core.journal.Symptom
import org.twitchwatch.shell.AlertCardUi
import org.twitchwatch.shell.Bar
import org.twitchwatch.shell.StoreStart
import org.twitchwatch.shell.UiResult
import org.twitchwatch.shell.alertBanner
import org.twitchwatch.shell.attempt
import org.twitchwatch.shell.bars
import org.twitchwatch.shell.card
import org.twitchwatch.shell.hourBars
import org.twitchwatch.shell.todayTiles
import org.twitchwatch.shell.tone

private fun now() = System.currentTimeMillis()

/** Route names are the core's deep links without the scheme, so a link maps to a route 1:1. */
internal fun route(d: Destination): String = destinationDeepLink(d).removePrefix("twitchwatch://")

@Composable
fun AppNavigation(
    app: TwitchWatchApp,
    deepLink: MutableState<Destination?>,
    permissionTick: MutableState<Int>,
    onAskPermissions: () -> Unit,
    onStoreReplaced: () -> Unit,
) {
    val nav = rememberNavController()
    val context = LocalContext.current
    val start = remember {
        when (val r = attempt { app.screens.startDestination(currentPermissions(context)) }) {
            is UiResult.Ok -> route(r.value)
            is UiResult.Failed -> "today"
        }
    }
    LaunchedEffect(deepLink.value) {
        val d = deepLink.value ?: return@LaunchedEffect
        deepLink.value = null
        if (d != Destination.Today) nav.navigate(route(d))
    }
    val tabs = remember { navigationTabs().map { route(it.destination) to it.title } }
    val current by nav.currentBackStackEntryAsState()
    Scaffold(
        bottomBar = {
            val r = current?.destination?.route
            if (r != "onboarding" && r != "pairing") {
                NavigationBar {
                    tabs.forEach { (tab, label) ->
                        NavigationBarItem(
                            selected = r == tab,
                            onClick = { nav.navigate(tab) { launchSingleTop = true } },
                            icon = { Icon(painterResource(android.R.drawable.ic_menu_info_details), null) },
                            label = { Text(label) },
                        )
                    }
                }
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = start, modifier = Modifier.padding(padding)) {
            composable("onboarding") { OnboardingScreen(app, nav, permissionTick, onAskPermissions) }
            composable("pairing") { PairingScreen(app, nav) }
            composable("today") { TodayScreen(app, nav) }
            composable("journal") { JournalScreen(app) }
            composable("history") { HistoryScreen(app) }
            composable("alerts") { AlertsScreen(app, nav) }
            composable("alerts/{id}") { entry -> AlertDetailScreen(app, entry.arguments?.getString("id") ?: "") }
            composable(route(Destination.Tasks)) { TasksScreen(app, nav) }
            composable("${route(Destination.Tasks)}/{kind}") { entry -> TaskRunScreen(app, entry.arguments?.getString("kind") ?: "") }
            composable("report") { ReportScreen(app, onStoreReplaced) }
        }
    }
}

@Composable
internal fun ErrorText(message: String?) {
    if (message != null) Text(message, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(8.dp))
}

@Composable
private fun BarChart(bars: List<Bar>, modifier: Modifier = Modifier) {
    val color = MaterialTheme.colorScheme.primary
    val gap = MaterialTheme.colorScheme.outlineVariant
    Canvas(modifier.fillMaxWidth().height(120.dp)) {
        if (bars.isEmpty()) return@Canvas
        val w = size.width / bars.size
        bars.forEachIndexed { i, b ->
            if (b.isGap) {
                drawRect(gap, Offset(i * w + w * 0.2f, size.height - 2f), Size(w * 0.6f, 2f))
            } else {
                val h = size.height * b.fraction
                drawRect(color, Offset(i * w + w * 0.1f, size.height - h), Size(w * 0.8f, h))
            }
        }
    }
}

@Composable
fun OnboardingScreen(
    app: TwitchWatchApp,
    nav: NavHostController,
    permissionTick: MutableState<Int>,
    onAskPermissions: () -> Unit,
) {
    val context = LocalContext.current
    var error by remember { mutableStateOf<String?>(null) }
    var state by remember { mutableStateOf(attempt { app.screens.onboarding(currentPermissions(context)) }) }
    LaunchedEffect(permissionTick.value) { state = attempt { app.screens.onboarding(currentPermissions(context)) } }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(16.dp)) {
        LinearProgressIndicator(progress = { s.stepNumber.toFloat() / s.stepCount.toFloat() }, Modifier.fillMaxWidth())
        Text(s.title, style = MaterialTheme.typography.headlineSmall)
        Text(s.body)
        if (s.step == OnboardingStep.DISCLAIMER) {
            Card { Column(Modifier.padding(16.dp)) {
                Text(s.disclaimer.title, fontWeight = FontWeight.Bold)
                Text(s.disclaimer.text)
            } }
        }
        s.missingPermissions.forEach { Text("• $it") }
        Button(onClick = {
            val p = currentPermissions(context)
            when (s.step) {
                OnboardingStep.DISCLAIMER -> state = attempt { app.screens.acceptDisclaimer(p, now()) }
                OnboardingStep.PERMISSIONS -> onAskPermissions()
                OnboardingStep.PAIRING -> nav.navigate("pairing")
                OnboardingStep.DONE -> nav.navigate("today") { popUpTo("onboarding") { inclusive = true } }
            }
        }) { Text(s.primaryActionLabel) }
        s.secondaryActionLabel?.let { label ->
            TextButton(onClick = {
                when (val r = attempt { app.screens.setDemoMode(true, currentPermissions(context)) }) {
                    is UiResult.Ok -> state = r
                    is UiResult.Failed -> error = r.message
                }
            }) { Text(label) }
        }
        ErrorText(error)
    }
}

@Composable
fun PairingScreen(app: TwitchWatchApp, nav: NavHostController) {
    val context = LocalContext.current
    var state by remember { mutableStateOf(attempt { app.screens.pairing(now()) }) }
    var error by remember { mutableStateOf<String?>(null) }
    val scanner = remember {
        BleScanner(context) { ad -> attempt { app.screens.onAdvertisement(ad) }.let { if (it is UiResult.Ok) state = it } }
    }
    LaunchedEffect(Unit) {
        while (true) {
            delay(1000)
            state = attempt { app.screens.pairing(now()) }
        }
    }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item { Text(s.message, style = MaterialTheme.typography.titleMedium) }
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = {
                    state = attempt { app.screens.startScan(now()) }
                    if (!scanner.start(s.scanServiceUuids)) error = "Bluetooth is off or unavailable."
                }) { Text("Search") }
                OutlinedButton(onClick = { scanner.stop(); state = attempt { app.screens.stopScan(now()) } }) { Text("Stop") }
            }
        }
        items(s.candidates) { c ->
            Card(Modifier.fillMaxWidth().clickable(enabled = c.canPair) {
                scanner.stop()
                when (val r = attempt { app.screens.pair(c.id, now()) }) {
                    is UiResult.Ok -> { state = r; nav.popBackStack() }
                    is UiResult.Failed -> error = r.message
                }
            }) {
                Column(Modifier.padding(12.dp)) {
                    Text(c.name, fontWeight = FontWeight.Bold)
                    Text("${c.protocolLabel} · ${c.signalLabel}")
                    c.note?.let { Text(it, color = MaterialTheme.colorScheme.onSurfaceVariant) }
                }
            }
        }
        s.paired?.let { p ->
            item {
                Card { Column(Modifier.padding(12.dp)) {
                    Text(p.name, fontWeight = FontWeight.Bold)
                    Text(p.pairedSinceLabel)
                    TextButton(onClick = { state = attempt { app.core.devices().forget(); app.screens.pairing(now()) } }) { Text("Forget") }
                } }
            }
        }
        item { ErrorText(error) }
    }
}

@Composable
fun TodayScreen(app: TwitchWatchApp, nav: NavHostController) {
    val context = LocalContext.current
    var state by remember { mutableStateOf(attempt { app.screens.today(now()) }) }
    LaunchedEffect(Unit) {
        while (true) {
            state = withContext(Dispatchers.IO) { attempt { app.screens.today(now()) } }
            delay(2000)
        }
    }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item { Text(s.dateLabel, style = MaterialTheme.typography.headlineSmall) }
        alertBanner(s)?.let { b ->
            item {
                Card(Modifier.fillMaxWidth().clickable { nav.navigate(route(Destination.Alert(b.alertId))) }) {
                    Column(Modifier.padding(12.dp)) {
                        Text(b.title, color = MaterialTheme.colorScheme.of(b.tone), fontWeight = FontWeight.Bold)
                        Text(b.text)
                    }
                }
            }
        }
        item {
            Text(s.statusLine, color = MaterialTheme.colorScheme.of(s.connection.tone()))
        }
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                todayTiles(s).forEach { t ->
                    Card(Modifier.weight(1f)) { Column(Modifier.padding(8.dp)) {
                        Text(t.label, style = MaterialTheme.typography.labelSmall)
                        Text(t.value, style = MaterialTheme.typography.bodyMedium)
                    } }
                }
            }
        }
        item { BarChart(hourBars(s.hourly)) }
        item {
            Button(onClick = {
                when (s.primaryAction) {
                    TodayAction.STOP_MONITORING -> MonitoringService.stop(context)
                    TodayAction.PAIR_WEARABLE -> nav.navigate(route(Destination.Pairing))
                    // The service runs the paired wearable, or the simulated one in demo mode.
                    TodayAction.START_MONITORING, TodayAction.START_DEMO -> MonitoringService.start(context)
                }
            }) { Text(s.primaryActionLabel) }
        }
        s.dataQualityLabel?.let { item { Text(it, style = MaterialTheme.typography.bodySmall) } }
        items(s.recentEvents) { e -> Text("${e.timeLabel}  ${e.kindLabel}  ${e.durationLabel}  ${e.detail}") }
        item { ErrorText(s.lastError) }
    }
}

@Composable
private fun JournalFieldEditor(field: JournalField, onValue: (String) -> Unit) {
    var text by remember(field.key, field.value) { mutableStateOf(field.value ?: "") }
    Column {
        Text(field.label, fontWeight = FontWeight.Bold)
        field.help?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        when (val k = field.kind) {
            is JournalFieldKind.Number -> Row {
                OutlinedTextField(
                    value = text,
                    onValueChange = { text = it },
                    suffix = { Text(k.unit) },
                    singleLine = true,
                    modifier = Modifier.weight(1f),
                )
                TextButton(onClick = { onValue(text) }) { Text("Save") }
            }
            is JournalFieldKind.Scale -> {
                var v by remember(field.value) { mutableStateOf(field.value?.toFloatOrNull() ?: k.min.toFloat()) }
                Slider(
                    value = v,
                    onValueChange = { v = it },
                    onValueChangeFinished = { onValue(v.toInt().toString()) },
                    valueRange = k.min.toFloat()..k.max.toFloat(),
                    steps = (k.max - k.min).toInt() - 1,
                )
                Text("${k.lowLabel} … ${k.highLabel}: ${field.value ?: "not recorded"}")
            }
            is JournalFieldKind.SingleChoice -> Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                k.options.forEach { o ->
                    FilterChip(selected = field.value == o.key, onClick = { onValue(o.key) }, label = { Text(o.label) })
                }
            }
            is JournalFieldKind.MultiChoice -> Column {
                val chosen = field.value?.split(',')?.toSet() ?: emptySet()
                k.options.forEach { o ->
                    Row {
                        Checkbox(checked = o.key in chosen, onCheckedChange = { on ->
                            onValue((if (on) chosen + o.key else chosen - o.key).joinToString(","))
                        })
                        Text(o.label, Modifier.padding(top = 12.dp))
                    }
                }
            }
            is JournalFieldKind.Text -> Row {
                OutlinedTextField(
                    value = text,
                    onValueChange = { if (it.length <= k.maxChars.toInt()) text = it },
                    modifier = Modifier.weight(1f),
                )
                TextButton(onClick = { onValue(text) }) { Text("Save") }
            }
        }
    }
}

@Composable
fun JournalScreen(app: TwitchWatchApp) {
    var state by remember { mutableStateOf(attempt { app.screens.journal(null, now()) }) }
    var error by remember { mutableStateOf<String?>(null) }
    var sites by remember { mutableStateOf(setOf<BodySite>()) }
    var symptoms by remember { mutableStateOf(setOf<Symptom>()) }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    fun apply(r: UiResult<org.twitchwatch.core.app.JournalState>) {
        when (r) {
            is UiResult.Ok -> { state = r; error = null }
            is UiResult.Failed -> error = r.message
        }
    }
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item { Text(s.dateLabel, style = MaterialTheme.typography.headlineSmall) }
        item { ErrorText(error) }
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                s.drinks.take(4).forEach { d ->
                    AssistChip(onClick = { apply(attempt { app.core.journal().addDrink(s.date, d.drink, 1u); app.screens.journal(s.date, now()) }) },
                        label = { Text("${d.label} +${d.caffeineMg.toInt()}") })
                }
            }
        }
        s.caffeineHint?.let { item { Text(it, color = MaterialTheme.colorScheme.tertiary) } }
        items(s.lifestyle) { f ->
            JournalFieldEditor(f) { v -> apply(attempt { app.screens.setJournalValue(s.date, f.key, v, now()) }) }
        }
        item { Text("Check-in", style = MaterialTheme.typography.titleLarge) }
        item { Text(s.urgentNote, color = MaterialTheme.colorScheme.error) }
        items(s.bodySites) { b ->
            Row { Checkbox(b.site in sites, { on -> sites = if (on) sites + b.site else sites - b.site }); Text(b.label, Modifier.padding(top = 12.dp)) }
        }
        items(s.symptoms) { x ->
            Row {
                Checkbox(x.symptom in symptoms, { on -> symptoms = if (on) symptoms + x.symptom else symptoms - x.symptom })
                Text(x.label, Modifier.padding(top = 12.dp), color = if (x.urgent) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface)
            }
        }
        item {
            Button(onClick = {
                // An alert it raises (an urgent symptom raises one at once) reaches the app's
                // AlertListener, which posts the notification: nothing to post here.
                val saved = attempt {
                    app.core.journal().recordCheckin(CheckIn(now(), sites.toList(), symptoms.toList(), ""))
                    app.screens.journal(s.date, now())
                }
                when (val r = saved) {
                    is UiResult.Ok -> {
                        state = r
                        sites = emptySet(); symptoms = emptySet()
                    }
                    is UiResult.Failed -> error = r.message
                }
            }) { Text("Save check-in") }
        }
        items(s.checkins) { c -> Text("${c.timeLabel}: ${c.sitesLabel}; ${c.symptomsLabel}") }
    }
}

@Composable
fun HistoryScreen(app: TwitchWatchApp) {
    var range by remember { mutableStateOf(HistoryRange.WEEK) }
    var state by remember(range) { mutableStateOf(attempt { app.screens.history(range, now()) }) }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                HistoryRange.entries.forEach { r ->
                    FilterChip(selected = r == range, onClick = { range = r }, label = { Text(r.name.lowercase()) })
                }
            }
        }
        item { Text(s.rangeLabel, style = MaterialTheme.typography.titleMedium) }
        s.emptyMessage?.let { item { Text(it) } }
        items(s.charts) { c ->
            Column {
                Text(c.title, fontWeight = FontWeight.Bold)
                BarChart(bars(c))
                Text(c.averageLabel, style = MaterialTheme.typography.bodySmall)
            }
        }
        items(s.days) { d -> Text("${d.label}: ${d.twitchesLabel}, ${d.tremorLabel}, ${d.spasmLabel}, ${d.wornLabel}") }
    }
}

@Composable
private fun AlertCard(c: AlertCardUi, onOpen: (() -> Unit)?, onAcknowledge: (() -> Unit)?) {
    Card(Modifier.fillMaxWidth().let { m -> if (onOpen != null) m.clickable { onOpen() } else m }) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(c.badge, color = MaterialTheme.colorScheme.of(c.tone), fontWeight = FontWeight.Bold)
            Text(c.title, style = MaterialTheme.typography.titleMedium)
            Text(c.body)
            Text(c.whatToDo, fontWeight = FontWeight.Bold)
            Text(c.meta, style = MaterialTheme.typography.bodySmall)
            if (onOpen == null) c.evidence.forEach { Text("• $it") }
            if (c.canAcknowledge && onAcknowledge != null) TextButton(onClick = onAcknowledge) { Text(c.acknowledgeLabel) }
        }
    }
}

@Composable
fun AlertsScreen(app: TwitchWatchApp, nav: NavHostController) {
    var state by remember { mutableStateOf(attempt { app.screens.alerts() }) }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item { Text(s.headline, style = MaterialTheme.typography.headlineSmall) }
        s.emptyMessage?.let { item { Text(it) } }
        items(s.active + s.acknowledged + s.past) { a ->
            AlertCard(a.card(), onOpen = { nav.navigate(route(Destination.Alert(a.alertId))) }, onAcknowledge = {
                state = attempt { app.core.alerts().acknowledge(a.alertId); app.screens.alerts() }
            })
        }
        item { Text(s.disclaimerLine, style = MaterialTheme.typography.bodySmall) }
    }
}

@Composable
fun AlertDetailScreen(app: TwitchWatchApp, alertId: String) {
    var state by remember(alertId) { mutableStateOf(attempt { app.screens.alertDetail(alertId) }) }
    val a = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    Column(Modifier.padding(16.dp)) {
        AlertCard(a.card(), onOpen = null, onAcknowledge = {
            attempt { app.core.alerts().acknowledge(alertId) }
            state = attempt { app.screens.alertDetail(alertId) }
        })
    }
}

@Composable
fun ReportScreen(app: TwitchWatchApp, onStoreReplaced: () -> Unit) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var state by remember { mutableStateOf(attempt { app.screens.report(now()) }) }
    var busy by remember { mutableStateOf(false) }
    var confirmDelete by remember { mutableStateOf(false) }
    var deleteError by remember { mutableStateOf<String?>(null) }
    val s = (state as? UiResult.Ok)?.value ?: return ErrorText((state as UiResult.Failed).message)
    if (confirmDelete) {
        AlertDialog(
            onDismissRequest = { confirmDelete = false },
            title = { Text(s.yourData.confirmTitle) },
            text = { Text(s.yourData.confirmText) },
            confirmButton = {
                TextButton(enabled = !busy, onClick = {
                    busy = true
                    scope.launch {
                        val failed = withContext(Dispatchers.IO) { app.deleteMyData() }
                        busy = false
                        confirmDelete = false
                        deleteError = failed
                        // A fresh store starts again at onboarding; after a failure this screen stays
                        // with the message, over what is left.
                        if (failed == null) onStoreReplaced()
                    }
                }) { Text(s.yourData.confirmLabel, color = MaterialTheme.colorScheme.error) }
            },
            dismissButton = { TextButton(onClick = { confirmDelete = false }) { Text(s.yourData.cancelLabel) } },
        )
    }
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        items(s.formats) { f ->
            Card(Modifier.fillMaxWidth()) { Column(Modifier.padding(12.dp)) {
                Text(f.label, fontWeight = FontWeight.Bold)
                Text(f.description)
                Button(enabled = !busy, onClick = {
                    busy = true
                    scope.launch {
                        val dir = File(context.cacheDir, "reports").apply { mkdirs() }
                        val file = File(dir, f.suggestedFileName)
                        state = try {
                            UiResult.Ok(app.screens.exportReport(f.format, s.defaultPeriodDays, file.absolutePath, now()))
                        } catch (e: org.twitchwatch.core.TwitchWatchException) {
                            UiResult.Failed(org.twitchwatch.shell.errorMessage(e))
                        }
                        busy = false
                        if (file.exists()) {
                            val uri: Uri = FileProvider.getUriForFile(context, "${context.packageName}.files", file)
                            context.startActivity(Intent.createChooser(
                                Intent(Intent.ACTION_SEND).setType(f.mimeType).putExtra(Intent.EXTRA_STREAM, uri)
                                    .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION), f.label))
                        }
                    }
                }) { Text(s.exportActionLabel) }
            } }
        }
        s.lastExportLabel?.let { item { Text(it) } }
        (s.lastExport as? ExportOutcome.Failed)?.let { item { ErrorText(it.message) } }
        item { Spacer(Modifier.height(8.dp)) }
        item { Card { Column(Modifier.padding(12.dp)) {
            Text(s.disclaimer.title, fontWeight = FontWeight.Bold)
            Text(s.disclaimer.text)
        } } }
        item { Card(Modifier.fillMaxWidth()) { Column(Modifier.padding(12.dp)) {
            Text(s.yourData.title, fontWeight = FontWeight.Bold)
            Text(s.yourData.staysOnPhone)
            OutlinedButton(enabled = !busy, onClick = { confirmDelete = true }) {
                Text(s.yourData.deleteLabel, color = MaterialTheme.colorScheme.error)
            }
            ErrorText(deleteError)
        } } }
    }
}

/** The store could not be opened: the core's data-problem screen; a lost key offers to start over. */
@Composable
fun StoreProblemScreen(app: TwitchWatchApp, problem: StoreStart, onStoreReplaced: () -> Unit) {
    val scope = rememberCoroutineScope()
    var busy by remember { mutableStateOf(false) }
    var error by remember { mutableStateOf<String?>(null) }
    val screen = when (problem) {
        is StoreStart.KeyLost -> problem.screen
        is StoreStart.Failed -> problem.screen
        is StoreStart.Opened -> return
    }
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(16.dp)) {
        Text(screen.title, style = MaterialTheme.typography.headlineSmall)
        Text(screen.body)
        screen.detail?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        screen.startOverLabel?.let { label ->
            Button(enabled = !busy, onClick = {
                busy = true
                scope.launch {
                    error = withContext(Dispatchers.IO) { app.startOver() }
                    busy = false
                    onStoreReplaced()
                }
            }) { Text(label) }
        }
        ErrorText(error)
    }
}
