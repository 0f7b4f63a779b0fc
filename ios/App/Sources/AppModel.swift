// The app's one TwitchWatch (store + monitor) and its Screens, opened in Application Support with the
// Keychain's data key, plus the navigation state. Screen states come from the core; this object only
// fetches them and keeps errors. A lost key keeps the store closed until the user starts over; "delete
// my data" replaces the store with an empty one.
import Foundation
import SwiftUI
import TwitchWatchCore

@MainActor
final class AppModel: ObservableObject {
    /// The open store. Nil only while `storeProblem` is set, when no screen that uses it is shown.
    private(set) var core: TwitchWatch!
    private(set) var screens: Screens!
    let notifications: NotificationPoster
    /// Created with the store at launch: iOS relaunches the app in the background for Bluetooth events
    /// and hands the restored connection to a central with the same restore identifier.
    private(set) var bluetooth: BluetoothCentral!
    /// Why the store is not open (a lost key, a failed open), or nil when it is.
    @Published private(set) var storeProblem: StoreProblem?
    /// Bumped when the store is replaced, so every screen starts again from the new one.
    @Published private(set) var storeGeneration = 0
    private let storePath: String
    /// Held for the app's lifetime: letting the handle go would unregister the alert listener.
    private var alertRegistration: ListenerHandle?

    @Published var tab: Tab = .today
    /// An alert to show on top (a tapped notification or a banner).
    @Published var openAlertId: String?
    @Published var showOnboarding = false
    @Published var errorMessage: String?

    enum Tab: Hashable {
        case today, journal, history, tasks, alerts, report

        /// The tab a core destination lives in.
        init(_ destination: Destination) {
            switch destination {
            case .journal: self = .journal
            case .history: self = .history
            case .tasks: self = .tasks
            case .alerts, .alert: self = .alerts
            case .report: self = .report
            case .today, .onboarding, .pairing: self = .today
            }
        }
    }

    /// The bottom bar's tabs and titles, from the core.
    let tabs = navigationTabs()

    /// A tab's title, also its screen's navigation title.
    func title(_ tab: Tab) -> String {
        tabs.first { Tab($0.destination) == tab }?.title ?? ""
    }

    init() {
        var dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("TwitchWatch", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Health data stays on this phone: the folder is left out of iCloud and computer backups. Its
        // key is this-device-only in the Keychain, so a restored copy could not be opened anyway.
        var noBackup = URLResourceValues()
        noBackup.isExcludedFromBackup = true
        try? dir.setResourceValues(noBackup)
        storePath = dir.appendingPathComponent("store").path
        notifications = NotificationPoster()
        adopt(DataKeys.open(at: storePath))
    }

    private func adopt(_ opening: StoreOpening) {
        switch opening {
        case .opened(let core, _):
            self.core = core
            screens = core.screens()
            if let bluetooth {
                bluetooth.replaceStore(core: core, screens: screens)
            } else {
                bluetooth = BluetoothCentral(core: core, screens: screens)
            }
            alertRegistration = try? core.alerts().addListener(listener: AlertForwarder(poster: notifications))
            storeProblem = nil
            showOnboarding = (try? screens.startDestination(permissions: permissions)) == .onboarding
        case .problem(let problem):
            storeProblem = problem
        }
    }

    /// After a lost key: deletes the unreadable data and its key and opens an empty store.
    func startOver() {
        let (opening, failure) = DataKeys.deleteAndReopen(at: storePath)
        adopt(opening)
        errorMessage = failure
        storeGeneration += 1
    }

    /// "Delete my data": ends monitoring, closes the store, deletes every file and the key, and opens
    /// an empty store under a new key, which starts at onboarding. Returns false with `errorMessage`
    /// set when something could not be deleted.
    func deleteMyData() -> Bool {
        bluetooth?.stopScan()
        alertRegistration?.cancel()
        alertRegistration = nil
        // Ends the session and releases the folder at once; every area taken from it stops working.
        core?.closeStore()
        let (opening, failure) = DataKeys.deleteAndReopen(at: storePath)
        adopt(opening)
        errorMessage = failure
        if failure == nil {
            tab = .today
            storeGeneration += 1
        }
        return failure == nil
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    var permissions: PlatformPermissions {
        PlatformPermissions(
            bluetoothGranted: BluetoothCentral.isAuthorized,
            notificationsGranted: notifications.authorized
        )
    }

    /// Runs a call into the core; a failure becomes the message shown on the current screen.
    func attempt<T>(_ call: () throws -> T) -> T? {
        do {
            let value = try call()
            errorMessage = nil
            return value
        } catch {
            errorMessage = error.localizedDescription
            return nil
        }
    }

    /// twitchwatch:// links from notification taps and the system.
    func open(_ url: URL) {
        switch destinationFromDeepLink(link: url.absoluteString) {
        case .alert(let alertId):
            tab = .alerts
            openAlertId = alertId
        case .alerts: tab = .alerts
        case .journal: tab = .journal
        case .history: tab = .history
        case .tasks: tab = .tasks
        case .report: tab = .report
        case .onboarding, .pairing: showOnboarding = true
        case .today: tab = .today
        }
    }
}

/// Core alerts → posted notifications. Called on a background thread, outside any core lock.
/// The core computed the notification's content; this only posts it.
final class AlertForwarder: AlertListener, @unchecked Sendable {
    private let poster: NotificationPoster

    init(poster: NotificationPoster) {
        self.poster = poster
    }

    func onAlert(alert: TwitchWatchCore.Alert, notification: NotificationContent) throws {
        poster.post(notification)
    }
}
