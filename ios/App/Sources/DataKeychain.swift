// The store's data key in the Keychain, and what each start does with it: the first start makes a key
// and keeps it, later starts open with it, a key that is gone or wrong (the app's data restored without
// it, a damaged item) says so and offers to start over, and "delete my data" closes, deletes, forgets
// the key and opens a fresh store. The same sequence as android/shell's DataKeys, which is tested
// against the library on the JVM.
import Foundation
import Security
import TwitchWatchCore

/// The data key as a Keychain item: this device only (never in a backup or iCloud Keychain), readable
/// after the first unlock since boot, so monitoring in the background works while the phone is locked.
enum DataKeychain {
    private static let service = "org.twitchwatch.data-key"
    private static let account = "store"

    enum Failure: Error {
        /// The phone has not been unlocked since it started: try again after unlocking.
        case locked
        case status(OSStatus)
    }

    private static var query: [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    /// The stored key, or nil when none was ever stored.
    static func load() throws -> Data? {
        var q = query
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &item)
        switch status {
        case errSecSuccess: return item as? Data
        case errSecItemNotFound: return nil
        case errSecInteractionNotAllowed: throw Failure.locked
        default: throw Failure.status(status)
        }
    }

    /// Keeps `key`, replacing any earlier one.
    static func save(_ key: Data) throws {
        SecItemDelete(query as CFDictionary)
        var q = query
        q[kSecValueData as String] = key
        q[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let status = SecItemAdd(q as CFDictionary, nil)
        if status == errSecInteractionNotAllowed { throw Failure.locked }
        if status != errSecSuccess { throw Failure.status(status) }
    }

    static func delete() {
        SecItemDelete(query as CFDictionary)
    }
}

enum StoreProblem: Equatable {
    /// The data exists but its key is lost: it cannot be read again. The user may start over.
    case keyLost(DataProblemState)
    /// The store cannot be opened (as it is, or the open failed); the core's screen says what to do.
    case failed(DataProblemState)

    /// What the data-problem screen shows, from the core.
    var screen: DataProblemState {
        switch self {
        case .keyLost(let screen), .failed(let screen): return screen
        }
    }

    static let lostKey = StoreProblem.keyLost(dataProblemScreen(problem: .keyLost, detail: nil))

    static func openFailed(_ detail: String) -> StoreProblem {
        .failed(dataProblemScreen(problem: .openFailed, detail: detail))
    }
}

enum StoreOpening {
    case opened(TwitchWatch, firstStart: Bool)
    case problem(StoreProblem)
}

enum DataKeys {
    static let keyBytes = 32

    /// Opens the store at `path` with the Keychain's key, making and keeping one on the first start.
    /// The new key is kept before the store is opened with it, so a store is never written under a
    /// key that was not saved; a store written unencrypted by an earlier version is encrypted on
    /// this open.
    static func open(at path: String) -> StoreOpening {
        // What the folder holds, found without writing: a store from a newer version, a damaged one
        // or something else entirely is shown as it is, never opened (nor a key made for it).
        let start = startScreen(state: dataFolderState(dataDir: path))
        if start.firstScreen == .dataProblem {
            return .problem(.failed(start.problem ?? dataProblemScreen(problem: .openFailed, detail: nil)))
        }
        let stored: Data?
        do {
            stored = try DataKeychain.load()
        } catch DataKeychain.Failure.locked {
            return .problem(.failed(dataProblemScreen(problem: .deviceLocked, detail: nil)))
        } catch {
            return .problem(.lostKey)
        }
        if let stored, stored.count != keyBytes { return .problem(.lostKey) }
        let key: Data
        if let stored {
            key = stored
        } else {
            key = generateDataKey()
            do {
                try DataKeychain.save(key)
            } catch {
                return .problem(.openFailed("The Keychain refused to keep the data key (\(error))."))
            }
        }
        do {
            let core = try TwitchWatch.open(dataDir: path, options: OpenOptions(dataKey: key))
            return .opened(core, firstStart: stored == nil)
        } catch TwitchWatchError.WrongKey(_) {
            return .problem(.lostKey)
        } catch {
            return .problem(.openFailed(error.localizedDescription))
        }
    }

    /// Deletes every file of the closed store at `path` and forgets its key, then opens an empty
    /// store under a new key. When the files cannot be deleted the key is kept, so what is left
    /// still opens; the error is returned with the store reopened.
    static func deleteAndReopen(at path: String) -> (StoreOpening, String?) {
        do {
            try deleteAllData(dataDir: path)
        } catch {
            return (open(at: path), error.localizedDescription)
        }
        // The files are gone; forgetting the key also makes any copy of them made earlier unreadable.
        DataKeychain.delete()
        return (open(at: path), nil)
    }
}
