// The active tasks: the list from the core's TasksState, and one screen per kind that runs it —
// finger tapping on two targets, the grip hold with the phone's accelerometer (CoreMotion), a tremor
// task with the wearable's stream. The core measures and stores; these views time the task, collect
// touches and readings, and show the TaskOutcome lines. The same steps as android/shell's TaskRuns.
import CoreMotion
import SwiftUI
import TwitchWatchCore

private func nowMs() -> Int64 { AppModel.nowMs() }
/// Seconds since boot: the clock of touches and CoreMotion's timestamps, never set back.
private func uptime() -> TimeInterval { ProcessInfo.processInfo.systemUptime }

extension TaskRunTexts {
    /// The core's texts for `hand` (every hand the core offers is listed there).
    func option(_ hand: Hand) -> HandOption? { hands.first { $0.hand == hand } }
}

/// A task's countdown on the uptime clock.
struct Countdown {
    let duration: TimeInterval
    let startedAt: TimeInterval

    func elapsed(_ now: TimeInterval) -> TimeInterval { min(max(now - startedAt, 0), duration) }
    func isFinished(_ now: TimeInterval) -> Bool { elapsed(now) >= duration }
    /// Whole seconds left, rounded up.
    func secondsLeft(_ now: TimeInterval) -> Int { Int((duration - elapsed(now)).rounded(.up)) }
    func fraction(_ now: TimeInterval) -> Double { duration > 0 ? elapsed(now) / duration : 1 }
}

/// The two targets' centres: a quarter in from each side, halfway down the tapping area.
func twoTargets(_ size: CGSize) -> [TapTarget] {
    [
        TapTarget(xPt: Double(size.width) * 0.25, yPt: Double(size.height) * 0.5),
        TapTarget(xPt: Double(size.width) * 0.75, yPt: Double(size.height) * 0.5),
    ]
}

struct TasksView: View {
    @EnvironmentObject var model: AppModel
    @State private var state: TasksState?

    var body: some View {
        List {
            if let s = state {
                if let asymmetry = s.tappingAsymmetry { Section { Text(asymmetry).bold() } }
                ForEach(s.cards, id: \.kind) { c in
                    Section(c.title) {
                        Text(c.instructions).font(.callout)
                        ForEach(c.hands, id: \.hand) { h in
                            Text("\(h.handLabel): \(h.summary)").foregroundStyle(h.declining ? .red : .primary)
                        }
                        if c.kind == .grip { Text(s.gripProxyLimits).font(.caption) }
                        if let note = c.notReadyNote { Text(note).foregroundStyle(.red) }
                        NavigationLink(c.startLabel) {
                            TaskRunView(card: c, gripProxyLimits: s.gripProxyLimits, texts: s.texts)
                        }
                    }
                }
                Section { Text(s.baselineExplanation).font(.footnote) }
            }
            ErrorLine(message: model.errorMessage)
        }
        .navigationTitle(model.title(.tasks))
        .onAppear { state = model.attempt { try model.screens.tasks() } }
    }
}

struct TaskRunView: View {
    let card: TaskCard
    let gripProxyLimits: String
    let texts: TaskRunTexts

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text(card.instructions).font(.callout)
            switch card.kind {
            case .tapping: TappingTaskView(card: card, texts: texts)
            case .grip: GripTaskView(card: card, limits: gripProxyLimits, texts: texts)
            case .tremorRest, .tremorOutstretched, .tremorFingerToNose: TremorTaskView(card: card, texts: texts)
            }
            Spacer()
        }
        .padding()
        .navigationTitle(card.title)
    }
}

struct OutcomeView: View {
    let outcome: TaskOutcome

    var body: some View {
        GroupBox(outcome.handLabel) {
            VStack(alignment: .leading, spacing: 4) {
                ForEach(outcome.lines, id: \.self) { Text($0) }
                Text(outcome.standing.summary).font(.caption)
            }
            .frame(maxWidth: .infinity, alignment: .leading)
        }
    }
}

struct HandPicker: View {
    @Binding var hand: Hand
    let disabled: Bool
    let texts: TaskRunTexts

    var body: some View {
        Picker(texts.handPickerLabel, selection: $hand) {
            ForEach(texts.hands, id: \.hand) { Text($0.label).tag($0.hand) }
        }
        .pickerStyle(.segmented)
        .disabled(disabled)
    }
}

// MARK: finger tapping

struct TappingTaskView: View {
    @EnvironmentObject var model: AppModel
    let card: TaskCard
    let texts: TaskRunTexts
    private var hands: [Hand] { texts.hands.map(\.hand) }
    @State private var index = 0
    @State private var countdown: Countdown?
    @State private var startedAtMs: Int64 = 0
    @State private var taps: [Tap] = []
    @State private var targets: [TapTarget] = []
    @State private var touching = false
    @State private var secondsLeft = 0
    @State private var outcomes: [TaskOutcome] = []
    private let timer = Timer.publish(every: 0.1, on: .main, in: .common).autoconnect()

    private var duration: TimeInterval { TimeInterval(card.durationS) }

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            if index < hands.count {
                if countdown != nil {
                    Text(tappingProgressLabel(hand: hands[index], secondsLeft: UInt32(max(secondsLeft, 0)), taps: UInt32(taps.count))).bold()
                } else {
                    Button(texts.option(hands[index])?.startLabel ?? "") { start() }.buttonStyle(.borderedProminent)
                }
            } else {
                Text(texts.bothHandsDone).bold()
            }
            GeometryReader { geo in
                ZStack {
                    Rectangle().fill(Color.gray.opacity(0.12))
                    ForEach(Array(twoTargets(geo.size).enumerated()), id: \.offset) { _, t in
                        Circle().fill(Color.accentColor).frame(width: 72, height: 72).position(x: t.xPt, y: t.yPt)
                    }
                }
                .contentShape(Rectangle())
                // A touch counts when the finger comes down, not when it lifts.
                .gesture(
                    DragGesture(minimumDistance: 0)
                        .onChanged { value in
                            if !touching {
                                touching = true
                                touch(value.startLocation)
                            }
                        }
                        .onEnded { _ in touching = false }
                )
                .onAppear { targets = twoTargets(geo.size) }
                .onChange(of: geo.size) { size in targets = twoTargets(size) }
            }
            .frame(height: 280)
            ForEach(outcomes, id: \.result.completedAtMs) { OutcomeView(outcome: $0) }
            ErrorLine(message: model.errorMessage)
        }
        .onReceive(timer) { _ in tick() }
    }

    private func start() {
        startedAtMs = nowMs()
        taps = []
        secondsLeft = Int(card.durationS)
        countdown = Countdown(duration: duration, startedAt: uptime())
    }

    /// Positions in the tapping area's points, times in ms since the start; touches outside the
    /// session or back in time are not taps of it.
    private func touch(_ point: CGPoint) {
        guard let c = countdown else { return }
        let t = (uptime() - c.startedAt) * 1000
        guard t >= 0, t <= duration * 1000, t >= (taps.last?.tMs ?? 0) else { return }
        taps.append(Tap(tMs: t, xPt: Double(point.x), yPt: Double(point.y)))
    }

    private func tick() {
        guard let c = countdown else { return }
        let now = uptime()
        secondsLeft = c.secondsLeft(now)
        if c.isFinished(now) { finish() }
    }

    private func finish() {
        countdown = nil
        let input = TappingInput(hand: hands[index], startedAtMs: startedAtMs, durationMs: duration * 1000,
                                 targets: targets, taps: taps)
        // A refused session (no taps at all) keeps this hand ready to run again.
        if let outcome = model.attempt({ try model.core.tasks().recordTapping(input: input) }) {
            outcomes.append(outcome)
            index += 1
        }
    }
}

// MARK: grip

/// The phone's accelerometer during the hold, gravity included, in g (CoreMotion's unit).
final class PhoneMotion {
    private let manager = CMMotionManager()
    private(set) var samples: [PhoneMotionSample] = []

    var available: Bool { manager.isAccelerometerAvailable }

    func begin(startedAt: TimeInterval, duration: TimeInterval) {
        samples = []
        manager.accelerometerUpdateInterval = 1.0 / 50
        manager.startAccelerometerUpdates(to: OperationQueue.main) { [weak self] data, _ in
            guard let self, let d = data else { return }
            // CoreMotion's timestamps are seconds since boot, the countdown's clock.
            let t = (d.timestamp - startedAt) * 1000
            guard t >= 0, t <= duration * 1000, t >= (self.samples.last?.tMs ?? 0) else { return }
            self.samples.append(PhoneMotionSample(tMs: t, xG: d.acceleration.x, yG: d.acceleration.y, zG: d.acceleration.z))
        }
    }

    func end() { manager.stopAccelerometerUpdates() }
}

struct GripTaskView: View {
    @EnvironmentObject var model: AppModel
    let card: TaskCard
    let limits: String
    let texts: TaskRunTexts
    private enum Phase { case idle, holding, rating }
    @State private var hand: Hand = .right
    @State private var phase: Phase = .idle
    @State private var countdown: Countdown?
    @State private var startedAtMs: Int64 = 0
    @State private var heldMs: Double = 0
    @State private var secondsLeft = 0
    @State private var rating: Double?
    @State private var motion = PhoneMotion()
    @State private var outcome: TaskOutcome?
    private let timer = Timer.publish(every: 0.1, on: .main, in: .common).autoconnect()

    private var duration: TimeInterval { TimeInterval(card.durationS) }
    /// The slider's value: the person's choice, or the core's initial one until they move it.
    private var currentRating: Double { rating ?? Double(texts.gripQuestion.initial) }

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            Text(limits).font(.caption)
            HandPicker(hand: $hand, disabled: phase != .idle, texts: texts)
            switch phase {
            case .idle:
                Button(texts.option(hand)?.holdStartLabel ?? "") { start() }.buttonStyle(.borderedProminent)
            case .holding:
                Text(holdProgressLabel(secondsLeft: UInt32(max(secondsLeft, 0)))).bold()
                Button(texts.loweredLabel) { endHold(at: uptime()) }.buttonStyle(.bordered)
            case .rating:
                let q = texts.gripQuestion
                Text(q.question)
                Text("\(q.lowestLabel) · \(q.highestLabel): \(Int(currentRating))").font(.caption)
                Slider(value: Binding(get: { currentRating }, set: { rating = $0 }),
                       in: Double(q.lowest)...Double(q.highest), step: 1)
                Button(texts.saveLabel) { save() }.buttonStyle(.borderedProminent)
            }
            if let outcome { OutcomeView(outcome: outcome) }
            ErrorLine(message: model.errorMessage)
        }
        .onReceive(timer) { _ in tick() }
        .onDisappear { motion.end() }
    }

    private func start() {
        outcome = nil
        startedAtMs = nowMs()
        heldMs = 0
        guard motion.available else {
            // No accelerometer: the self-rating alone is still a grip session.
            phase = .rating
            return
        }
        let now = uptime()
        countdown = Countdown(duration: duration, startedAt: now)
        secondsLeft = Int(card.durationS)
        motion.begin(startedAt: now, duration: duration)
        phase = .holding
    }

    private func tick() {
        guard phase == .holding, let c = countdown else { return }
        let now = uptime()
        secondsLeft = c.secondsLeft(now)
        if c.isFinished(now) { endHold(at: now) }
    }

    private func endHold(at now: TimeInterval) {
        motion.end()
        heldMs = (countdown?.elapsed(now) ?? 0) * 1000
        countdown = nil
        phase = .rating
    }

    private func save() {
        let samples = motion.samples
        let input = GripInput(hand: hand, startedAtMs: startedAtMs, heldMs: samples.isEmpty ? 0 : heldMs,
                              samples: samples, selfRatedGrip010: UInt8(currentRating), dynamometerKg: nil)
        if let saved = model.attempt({ try model.core.tasks().recordGrip(input: input) }) {
            outcome = saved
            phase = .idle
        }
    }
}

// MARK: tremor tasks with the wearable

struct TremorTaskView: View {
    @EnvironmentObject var model: AppModel
    let card: TaskCard
    let texts: TaskRunTexts
    @State private var hand: Hand = .right
    @State private var countdown: Countdown?
    @State private var startedAtMs: Int64 = 0
    @State private var secondsLeft = 0
    @State private var progress: Double = 0
    @State private var outcome: TaskOutcome?
    private let timer = Timer.publish(every: 0.2, on: .main, in: .common).autoconnect()

    var body: some View {
        VStack(alignment: .leading, spacing: 12) {
            if let note = card.notReadyNote { Text(note).foregroundStyle(.red) }
            HandPicker(hand: $hand, disabled: countdown != nil, texts: texts)
            if countdown != nil {
                ProgressView(value: progress)
                Text(secondsLeftLabel(secondsLeft: UInt32(max(secondsLeft, 0)))).bold()
                Button(texts.cancelLabel) { cancel() }.buttonStyle(.bordered)
            } else {
                Button(texts.option(hand)?.startLabel ?? "") { start() }.buttonStyle(.borderedProminent)
            }
            if let outcome { OutcomeView(outcome: outcome) }
            ErrorLine(message: model.errorMessage)
        }
        .onReceive(timer) { _ in tick() }
        .onDisappear { if countdown != nil { cancel() } }
    }

    private func start() {
        outcome = nil
        // From now on the core keeps the wearable's batches for this task.
        guard model.attempt({ try model.core.tasks().beginTremorTask() }) != nil else { return }
        startedAtMs = nowMs()
        secondsLeft = Int(card.durationS)
        progress = 0
        countdown = Countdown(duration: TimeInterval(card.durationS), startedAt: uptime())
    }

    private func tick() {
        guard let c = countdown else { return }
        let now = uptime()
        secondsLeft = c.secondsLeft(now)
        progress = c.fraction(now)
        guard c.isFinished(now) else { return }
        countdown = nil
        outcome = model.attempt {
            try model.core.tasks().finishTremorTask(kind: card.kind, hand: hand, startedAtMs: startedAtMs)
        }
    }

    private func cancel() {
        countdown = nil
        _ = model.attempt { try model.core.tasks().cancelTremorTask() }
    }
}
