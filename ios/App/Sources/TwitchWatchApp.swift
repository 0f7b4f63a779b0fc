// The SwiftUI app: one screen per core view state. Views render records and send actions back; every
// label, order and hint comes from TwitchWatchCore.
import Charts
import SwiftUI
import TwitchWatchCore

@main
struct TwitchWatchApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                .onOpenURL { model.open($0) }
                .onAppear { model.notifications.onOpen = { url in model.open(url) } }
        }
    }
}

private func nowMs() -> Int64 { AppModel.nowMs() }

struct ErrorLine: View {
    let message: String?
    var body: some View {
        if let message { Text(message).foregroundStyle(.red).font(.footnote) }
    }
}

func color(_ severity: AlertSeverity) -> Color {
    switch severity {
    case .urgent: return .red
    case .seeADoctor: return .orange
    case .advice: return .blue
    case .info: return .secondary
    }
}

struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        if let problem = model.storeProblem {
            StoreProblemView(problem: problem)
        } else {
            tabs
        }
    }

    private var tabs: some View {
        TabView(selection: $model.tab) {
            ForEach(model.tabs, id: \.title) { tab in
                NavigationStack { screen(tab.destination) }
                    .tabItem { Label(tab.title, systemImage: icon(tab.destination)) }
                    .tag(AppModel.Tab(tab.destination))
            }
        }
        // A replaced store (data deleted, started over): every screen starts again from the new one.
        .id(model.storeGeneration)
        .fullScreenCover(isPresented: $model.showOnboarding) { NavigationStack { OnboardingView() } }
        .sheet(item: Binding(
            get: { model.openAlertId.map(AlertRef.init) },
            set: { model.openAlertId = $0?.id }
        )) { ref in NavigationStack { AlertDetailView(alertId: ref.id) } }
    }
}

/// The screen a tab shows; the tabs and their titles are the core's (`navigationTabs()`).
@ViewBuilder
private func screen(_ destination: Destination) -> some View {
    switch destination {
    case .journal: JournalView()
    case .history: HistoryView()
    case .tasks: TasksView()
    case .alerts, .alert: AlertsView()
    case .report: ReportView()
    case .today, .onboarding, .pairing: TodayView()
    }
}

/// SF Symbols are the platform's own set, so the icons stay here.
private func icon(_ destination: Destination) -> String {
    switch destination {
    case .journal: return "book"
    case .history: return "chart.bar"
    case .tasks: return "hand.tap"
    case .alerts, .alert: return "exclamationmark.triangle"
    case .report: return "doc.richtext"
    case .today, .onboarding, .pairing: return "waveform.path.ecg"
    }
}

struct AlertRef: Identifiable { let id: String }

/// The store could not be opened: the core's data-problem screen; a lost key offers to start over.
struct StoreProblemView: View {
    @EnvironmentObject var model: AppModel
    let problem: StoreProblem

    var body: some View {
        let screen = problem.screen
        VStack(alignment: .leading, spacing: 16) {
            Text(screen.title).font(.title2.bold())
            Text(screen.body)
            if let detail = screen.detail { Text(detail).font(.footnote) }
            if let startOver = screen.startOverLabel {
                Button(startOver, role: .destructive) { model.startOver() }.buttonStyle(.borderedProminent)
            }
            ErrorLine(message: model.errorMessage)
            Spacer()
        }
        .padding()
    }
}

// MARK: onboarding and pairing

struct OnboardingView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: OnboardingState?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let s = state {
                    ProgressView(value: Double(s.stepNumber), total: Double(s.stepCount))
                    Text(s.title).font(.title2.bold())
                    Text(s.body)
                    if s.step == .disclaimer {
                        GroupBox(s.disclaimer.title) { Text(s.disclaimer.text) }
                    }
                    ForEach(s.missingPermissions, id: \.self) { Text("• \($0)") }
                    Button(s.primaryActionLabel) { primary(s) }.buttonStyle(.borderedProminent)
                    if let secondary = s.secondaryActionLabel {
                        Button(secondary) {
                            state = model.attempt { try model.screens.setDemoMode(enabled: true, permissions: model.permissions) }
                        }
                    }
                    if s.step == .pairing { NavigationLink("Pair now") { PairingView() } }
                }
                ErrorLine(message: model.errorMessage)
            }
            .padding()
        }
        .onAppear(perform: refresh)
    }

    private func refresh() {
        state = model.attempt { try model.screens.onboarding(permissions: model.permissions) }
    }

    private func primary(_ s: OnboardingState) {
        switch s.step {
        case .disclaimer:
            state = model.attempt { try model.screens.acceptDisclaimer(permissions: model.permissions, nowMs: nowMs()) }
        case .permissions:
            // Creating the central asked for Bluetooth; notifications are asked here.
            model.notifications.requestAuthorization { _ in refresh() }
        case .pairing:
            model.bluetooth.startScan()
        case .done:
            model.showOnboarding = false
        }
    }
}

struct PairingView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: PairingState?
    private let timer = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    var body: some View {
        List {
            if let s = state {
                Section { Text(s.message) }
                Section {
                    ForEach(s.candidates, id: \.id) { c in
                        Button {
                            model.bluetooth.stopScan()
                            state = model.attempt { try model.screens.pair(deviceId: c.id, nowMs: nowMs()) }
                        } label: {
                            VStack(alignment: .leading) {
                                Text(c.name).bold()
                                Text("\(c.protocolLabel) · \(c.signalLabel)").font(.caption)
                                if let note = c.note { Text(note).font(.caption2).foregroundStyle(.secondary) }
                            }
                        }
                        .disabled(!c.canPair)
                    }
                }
                if let p = s.paired {
                    Section("Paired") {
                        Text(p.name).bold()
                        Text(p.pairedSinceLabel).font(.caption)
                        Button("Forget", role: .destructive) {
                            state = model.attempt {
                                _ = try model.core.devices().forget()
                                return try model.screens.pairing(nowMs: nowMs())
                            }
                        }
                    }
                }
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle("Pair")
        .toolbar {
            Button(state?.phase == .scanning ? "Stop" : "Search") {
                state?.phase == .scanning ? model.bluetooth.stopScan() : model.bluetooth.startScan()
            }
        }
        .onReceive(timer) { _ in state = try? model.screens.pairing(nowMs: nowMs()) }
        .onAppear { state = model.attempt { try model.screens.pairing(nowMs: nowMs()) } }
    }
}

// MARK: today

struct TodayView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: TodayState?
    private let timer = Timer.publish(every: 2, on: .main, in: .common).autoconnect()

    var body: some View {
        List {
            if let s = state {
                if let a = s.topAlert {
                    Section {
                        Button { model.openAlertId = a.alertId } label: {
                            VStack(alignment: .leading) {
                                Text(a.title).bold().foregroundStyle(color(a.severity))
                                Text(a.whatToDo).font(.callout)
                            }
                        }
                    }
                }
                Section {
                    Text(s.statusLine)
                    ForEach(s.tiles, id: \.title) { tile in LabeledContent(tile.title, value: tile.value) }
                    if let q = s.dataQualityLabel { Text(q).font(.caption) }
                }
                Section(s.hourlyTitle) {
                    Chart(s.hourly, id: \.hour) { b in
                        BarMark(x: .value(s.hourAxisLabel, b.label), y: .value(s.twitchAxisLabel, Int(b.twitches)))
                    }
                    .frame(height: 140)
                }
                Section {
                    Button(s.primaryActionLabel) { primary(s) }.buttonStyle(.borderedProminent)
                }
                Section(s.recentTitle) {
                    ForEach(s.recentEvents, id: \.startMs) { e in
                        Text("\(e.timeLabel)  \(e.kindLabel)  \(e.durationLabel)  \(e.detail)")
                    }
                }
                ErrorLine(message: s.lastError)
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle(state?.dateLabel ?? model.title(.today))
        .onAppear(perform: refresh)
        .onReceive(timer) { _ in refresh() }
    }

    private func refresh() { state = model.attempt { try model.screens.today(nowMs: nowMs()) } }

    private func primary(_ s: TodayState) {
        switch s.primaryAction {
        case .stopMonitoring:
            model.bluetooth.stop()
            let screens = model.screens
            // Stopping stores the session's last minute: keep it off the main thread.
            Task.detached { _ = try? screens.stopSession(nowMs: nowMs()) }
        case .startDemo:
            state = model.attempt { try model.screens.startDemoSession(scenario: nil, speed: 1, nowMs: nowMs()) }
        case .startMonitoring:
            model.bluetooth.startMonitoring()
        case .pairWearable:
            model.showOnboarding = true
        }
    }
}

// MARK: journal

struct JournalView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: JournalState?
    @State private var text: [String: String] = [:]
    @State private var sites: Set<BodySite> = []
    @State private var symptoms: Set<Symptom> = []

    var body: some View {
        Form {
            if let s = state {
                Section("Caffeine") {
                    ScrollView(.horizontal) {
                        HStack {
                            ForEach(s.drinks, id: \.drink) { d in
                                Button("\(d.label) +\(Int(d.caffeineMg))") {
                                    apply {
                                        _ = try model.core.journal().addDrink(date: s.date, drink: d.drink, servings: 1)
                                        return try model.screens.journal(date: s.date, nowMs: nowMs())
                                    }
                                }
                                .buttonStyle(.bordered)
                            }
                        }
                    }
                    if let hint = s.caffeineHint { Text(hint).foregroundStyle(.orange) }
                }
                Section("Today") {
                    ForEach(s.lifestyle, id: \.key) { f in field(f, date: s.date) }
                }
                Section("Check-in") {
                    Text(s.urgentNote).foregroundStyle(.red)
                    ForEach(s.bodySites, id: \.site) { b in
                        Toggle(b.label, isOn: member(b.site, of: $sites))
                    }
                    ForEach(s.symptoms, id: \.symptom) { x in
                        Toggle(isOn: member(x.symptom, of: $symptoms)) {
                            Text(x.label).foregroundStyle(x.urgent ? .red : .primary)
                        }
                    }
                    Button("Save check-in") { checkIn() }
                    ForEach(s.checkins, id: \.id) { c in Text("\(c.timeLabel): \(c.sitesLabel); \(c.symptomsLabel)") }
                }
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle(state?.dateLabel ?? model.title(.journal))
        .onAppear { state = model.attempt { try model.screens.journal(date: nil, nowMs: nowMs()) } }
    }

    private func member<Key: Hashable>(_ key: Key, of set: Binding<Set<Key>>) -> Binding<Bool> {
        Binding(get: { set.wrappedValue.contains(key) },
                set: { on in if on { set.wrappedValue.insert(key) } else { set.wrappedValue.remove(key) } })
    }

    private func apply(_ call: () throws -> JournalState) {
        if let next = model.attempt(call) { state = next }
    }

    private func save(_ f: JournalField, _ value: String, date: String) {
        apply { try model.screens.setJournalValue(date: date, key: f.key, value: value, nowMs: nowMs()) }
    }

    @ViewBuilder
    private func field(_ f: JournalField, date: String) -> some View {
        switch f.kind {
        case .number(let unit, _, _, _):
            HStack {
                Text(f.label)
                TextField(f.value ?? "not recorded", text: Binding(
                    get: { text[f.key] ?? f.value ?? "" }, set: { text[f.key] = $0 }))
                    .keyboardType(.decimalPad)
                    .multilineTextAlignment(.trailing)
                    .onSubmit { save(f, text[f.key] ?? "", date: date) }
                Text(unit)
                Button("Save") { save(f, text[f.key] ?? "", date: date) }
            }
        case .scale(let lowest, let highest, let low, let high):
            let current = Int(f.value ?? "")
            Stepper(
                "\(f.label): \(f.value ?? "not recorded") (\(low) … \(high))",
                onIncrement: { save(f, String(min(Int(highest), current.map { $0 + 1 } ?? Int(lowest))), date: date) },
                onDecrement: { save(f, String(max(Int(lowest), current.map { $0 - 1 } ?? Int(lowest))), date: date) }
            )
        case .singleChoice(let options):
            Picker(f.label, selection: Binding(get: { f.value ?? "" }, set: { save(f, $0, date: date) })) {
                Text("not recorded").tag("")
                ForEach(options, id: \.key) { Text($0.label).tag($0.key) }
            }
        case .multiChoice(let options):
            let chosen = Set((f.value ?? "").split(separator: ",").map(String.init))
            ForEach(options, id: \.key) { o in
                Toggle(o.label, isOn: Binding(get: { chosen.contains(o.key) }, set: { on in
                    let next = on ? chosen.union([o.key]) : chosen.subtracting([o.key])
                    save(f, next.sorted().joined(separator: ","), date: date)
                }))
            }
        case .text:
            TextField(f.label, text: Binding(get: { text[f.key] ?? f.value ?? "" }, set: { text[f.key] = $0 }))
                .onSubmit { save(f, text[f.key] ?? "", date: date) }
        }
    }

    private func checkIn() {
        // An alert it raises (an urgent symptom raises one at once) reaches the AlertListener, which
        // posts the notification: nothing to post here.
        guard let next = model.attempt({ () throws -> JournalState in
            let checkin = CheckIn(atMs: nowMs(), twitchSites: Array(sites), symptoms: Array(symptoms), note: "")
            _ = try model.core.journal().recordCheckin(checkin: checkin)
            return try model.screens.journal(date: state?.date, nowMs: nowMs())
        }) else { return }
        state = next
        sites = []
        symptoms = []
    }
}

// MARK: history

struct HistoryView: View {
    @EnvironmentObject var model: AppModel
    @State private var range: HistoryRange = .week
    @State private var state: HistoryState?

    var body: some View {
        List {
            Picker("Range", selection: $range) {
                Text("Week").tag(HistoryRange.week)
                Text("Month").tag(HistoryRange.month)
                Text("Quarter").tag(HistoryRange.quarter)
            }
            .pickerStyle(.segmented)
            if let s = state {
                if let empty = s.emptyMessage { Text(empty) }
                ForEach(s.charts, id: \.title) { c in
                    Section(c.title) {
                        Chart(c.points, id: \.date) { p in
                            if let v = p.value { BarMark(x: .value("Day", p.label), y: .value(c.unit, v)) }
                        }
                        .chartYScale(domain: 0...c.yMax)
                        .frame(height: 140)
                        Text(c.averageLabel).font(.caption)
                    }
                }
                Section("Days") {
                    ForEach(s.days, id: \.date) { d in
                        Text("\(d.label): \(d.twitchesLabel), \(d.tremorLabel), \(d.spasmLabel), \(d.wornLabel)")
                    }
                }
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle(state?.rangeLabel ?? "History")
        .onAppear(perform: refresh)
        .onChange(of: range) { _ in refresh() }
    }

    private func refresh() { state = model.attempt { try model.screens.history(range: range, nowMs: nowMs()) } }
}

// MARK: alerts

struct AlertCard: View {
    let row: AlertRow
    let showEvidence: Bool

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(row.severityLabel).bold().foregroundStyle(color(row.severity))
            Text(row.title).font(.headline)
            Text(row.body)
            Text(row.whatToDo).bold()
            Text([row.raisedAtLabel, row.escalatedLabel].compactMap { $0 }.joined(separator: " · ")).font(.caption)
            if showEvidence { ForEach(row.evidence, id: \.text) { Text("• \($0.text)").font(.callout) } }
        }
    }
}

struct AlertsView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: AlertsState?

    var body: some View {
        List {
            if let s = state {
                Section { Text(s.headline).font(.headline) }
                if let empty = s.emptyMessage { Text(empty) }
                ForEach(s.active + s.acknowledged + s.past, id: \.alertId) { a in
                    Button { model.openAlertId = a.alertId } label: { AlertCard(row: a, showEvidence: false) }
                        .swipeActions {
                            if a.canAcknowledge {
                                Button(a.acknowledgeLabel) {
                                    state = model.attempt {
                                        _ = try model.core.alerts().acknowledge(alertId: a.alertId)
                                        return try model.screens.alerts()
                                    }
                                }
                            }
                        }
                }
                Text(s.disclaimerLine).font(.footnote)
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle(model.title(.alerts))
        .onAppear { state = model.attempt { try model.screens.alerts() } }
    }
}

struct AlertDetailView: View {
    @EnvironmentObject var model: AppModel
    let alertId: String
    @State private var row: AlertRow?

    var body: some View {
        List {
            if let r = row {
                AlertCard(row: r, showEvidence: true)
                if r.canAcknowledge {
                    Button(r.acknowledgeLabel) {
                        _ = model.attempt { try model.core.alerts().acknowledge(alertId: alertId) }
                        row = model.attempt { try model.screens.alertDetail(alertId: alertId) }
                    }
                }
            }
            ErrorLine(message: model.errorMessage)
        }
        .onAppear { row = model.attempt { try model.screens.alertDetail(alertId: alertId) } }
    }
}

// MARK: report

struct ReportView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: ReportState?
    @State private var written: URL?
    @State private var busy = false
    @State private var confirmDelete = false

    var body: some View {
        List {
            if let s = state {
                ForEach(s.formats, id: \.suggestedFileName) { f in
                    Section(f.label) {
                        Text(f.description)
                        Button(s.exportActionLabel) { export(f, days: s.defaultPeriodDays) }
                            .disabled(busy)
                    }
                }
                if let url = written {
                    ShareLink(item: url) { Label(s.lastExportLabel ?? url.lastPathComponent, systemImage: "square.and.arrow.up") }
                }
                if case .some(.failed(let message)) = s.lastExport { ErrorLine(message: message) }
                Section(s.disclaimer.title) { Text(s.disclaimer.text) }
                Section(s.yourData.title) {
                    Text(s.yourData.staysOnPhone)
                    Button(s.yourData.deleteLabel, role: .destructive) { confirmDelete = true }.disabled(busy)
                }
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle(model.title(.report))
        .alert(state?.yourData.confirmTitle ?? "", isPresented: $confirmDelete) {
            if let texts = state?.yourData {
                Button(texts.confirmLabel, role: .destructive) { _ = model.deleteMyData() }
                Button(texts.cancelLabel, role: .cancel) {}
            }
        } message: {
            Text(state?.yourData.confirmText ?? "")
        }
        .onAppear { state = model.attempt { try model.screens.report(nowMs: nowMs()) } }
    }

    private func export(_ f: ExportFormatOption, days: UInt32) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(f.suggestedFileName)
        busy = true
        Task {
            do {
                state = try await model.screens.exportReport(format: f.format, periodDays: days, path: url.path, nowMs: nowMs())
                written = url
            } catch {
                model.errorMessage = error.localizedDescription
            }
            busy = false
        }
    }
}
