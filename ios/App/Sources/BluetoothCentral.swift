// Shell-managed BLE on iOS: a CoreBluetooth central with state restoration (btleplug has none), so
// monitoring survives the app being suspended or killed by the system. It performs what the core's
// GATT session asks (connect, discover, read, subscribe, write, timer) and hands every delegate callback
// back as bytes and UUIDs; the dialogue with the sensor, either protocol, is the core's.
import CoreBluetooth
import Foundation
import TwitchWatchCore

final class BluetoothCentral: NSObject, CBCentralManagerDelegate, CBPeripheralDelegate, @unchecked Sendable {
    static var isAuthorized: Bool { CBCentralManager.authorization == .allowedAlways }

    private var core: TwitchWatch
    private var screens: Screens
    private let queue = DispatchQueue(label: "org.twitchwatch.ble")
    private var central: CBCentralManager!
    private var peripheral: CBPeripheral?
    private var session: PhoneGattSession?
    /// Events that came while the session handled another; fed in order, one at a time.
    private var events: [GattEvent] = []
    private var handling = false
    /// Characteristics whose read is outstanding: CoreBluetooth answers reads and notifications alike.
    private var pendingReads = Set<CBUUID>()
    /// Services whose characteristics are still being discovered.
    private var servicesLeft = 0
    /// Bumped by every new timer, so a replaced timer that fires is ignored.
    private var timerGeneration = 0

    init(core: TwitchWatch, screens: Screens) {
        self.core = core
        self.screens = screens
        super.init()
        central = CBCentralManager(
            delegate: self,
            queue: queue,
            options: [
                CBCentralManagerOptionRestoreIdentifierKey: iosRestoreIdentifier(),
                CBCentralManagerOptionShowPowerAlertKey: true,
            ]
        )
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
    private static func nowUs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    // MARK: scanning for the pairing screen

    func startScan() {
        queue.async {
            _ = try? self.screens.startScan(nowMs: Self.nowMs())
            guard self.central.state == .poweredOn,
                  let uuids = try? self.screens.pairing(nowMs: Self.nowMs()).scanServiceUuids else { return }
            // The core names our service and heart rate (which Polar sensors advertise instead of PMD);
            // a service filter is also what lets iOS scan in the background.
            self.central.scanForPeripherals(
                withServices: uuids.isEmpty ? nil : uuids.map { CBUUID(string: $0) },
                options: [CBCentralManagerScanOptionAllowDuplicatesKey: true]
            )
        }
    }

    func stopScan() {
        queue.async {
            self.central.stopScan()
            _ = try? self.screens.stopScan(nowMs: Self.nowMs())
        }
    }

    func centralManager(
        _ central: CBCentralManager,
        didDiscover peripheral: CBPeripheral,
        advertisementData: [String: Any],
        rssi RSSI: NSNumber
    ) {
        let services = (advertisementData[CBAdvertisementDataServiceUUIDsKey] as? [CBUUID]) ?? []
        let name = (advertisementData[CBAdvertisementDataLocalNameKey] as? String) ?? peripheral.name
        _ = try? screens.onAdvertisement(advertisement: Advertisement(
            id: peripheral.identifier.uuidString,
            name: name,
            rssiDbm: Int16(clamping: RSSI.intValue),
            serviceUuids: services.map { $0.uuidString },
            seenAtMs: Self.nowMs()
        ))
    }

    // MARK: monitoring the paired wearable

    /// Starts the core's session with the paired wearable; it reconnects by its own policy until `stop()`.
    func startMonitoring() {
        queue.async {
            guard self.session == nil || self.session?.isFinished() == true else { return }
            guard let session = try? PhoneGattSession(twitchwatch: self.core, config: nil) else { return }
            self.session = session
            self.perform((try? session.start(nowUs: Self.nowUs())) ?? [])
            self.drain()
        }
    }

    /// The store was replaced (the user deleted their data): the old store is closed, so its session
    /// ends here without a dialogue, the sensor is let go, and later sessions use the new store.
    func replaceStore(core: TwitchWatch, screens: Screens) {
        queue.async {
            self.session = nil
            self.events = []
            self.pendingReads = []
            self.timerGeneration += 1
            if let peripheral = self.peripheral { self.central.cancelPeripheralConnection(peripheral) }
            self.peripheral = nil
            self.core = core
            self.screens = screens
        }
    }

    /// The session leaves the sensor idle, then asks to disconnect.
    func stop() {
        queue.async { self.feed(.stopRequested) }
    }

    private func feed(_ event: GattEvent) {
        events.append(event)
        drain()
    }

    private func drain() {
        guard !handling, let session else { return }
        handling = true
        while !events.isEmpty {
            let event = events.removeFirst()
            do {
                perform(try session.handle(event: event, nowUs: Self.nowUs()))
            } catch {
                // A callback the core refused (typed error); the session is unchanged.
            }
        }
        handling = false
    }

    private func characteristic(_ uuid: String) -> CBCharacteristic? {
        let wanted = CBUUID(string: uuid)
        return peripheral?.services?.lazy.compactMap { $0.characteristics?.first { $0.uuid == wanted } }.first
    }

    /// Performs the actions in order; a refused one is answered after the rest of the batch.
    private func perform(_ actions: [GattAction]) {
        for action in actions {
            switch action {
            case .connect:
                if !connect() { events.append(.connectFailed(reason: "the paired peripheral is not available")) }
            case .discoverServices:
                guard let p = peripheral else { refuse(nil); continue }
                p.discoverServices(nil)
            case .requestMtu:
                // iOS negotiates the MTU by itself; report what it settled on.
                let mtu = peripheral.map { $0.maximumWriteValueLength(for: .withoutResponse) + 3 }
                events.append(.mtuChanged(mtu: mtu.map { UInt16(clamping: $0) }))
            case let .read(uuid):
                guard let p = peripheral, let ch = characteristic(uuid) else { refuse(uuid); continue }
                pendingReads.insert(ch.uuid)
                p.readValue(for: ch)
            case let .subscribe(uuid, _):
                // CoreBluetooth chooses indications or notifications from the characteristic itself.
                guard let p = peripheral, let ch = characteristic(uuid) else { refuse(uuid); continue }
                p.setNotifyValue(true, for: ch)
            case let .write(uuid, bytes, withResponse):
                guard let p = peripheral, let ch = characteristic(uuid) else { refuse(uuid); continue }
                p.writeValue(bytes, for: ch, type: withResponse ? .withResponse : .withoutResponse)
                if !withResponse { events.append(.writeAcknowledged(characteristicUuid: uuid)) }
            case let .waitUntil(deadlineUs):
                arm(deadlineUs)
            case .disconnect:
                if let p = peripheral { central.cancelPeripheralConnection(p) }
            }
        }
    }

    private func refuse(_ uuid: String?) {
        events.append(.operationFailed(characteristicUuid: uuid, reason: "the characteristic is not available"))
    }

    private func arm(_ deadlineUs: Int64) {
        timerGeneration += 1
        let generation = timerGeneration
        let delay = Double(max(0, deadlineUs - Self.nowUs())) / 1_000_000
        queue.asyncAfter(deadline: .now() + delay) {
            guard generation == self.timerGeneration else { return }
            self.feed(.timedOut)
        }
    }

    private func connect() -> Bool {
        guard central.state == .poweredOn,
              let paired = try? core.devices().paired(),
              let uuid = UUID(uuidString: paired.id) else { return false }
        let target = peripheral ?? central.retrievePeripherals(withIdentifiers: [uuid]).first
        guard let target else { return false }
        peripheral = target
        target.delegate = self
        pendingReads.removeAll()
        // A sensor that wants bonding gets the system's pairing dialog from iOS itself.
        central.connect(target, options: nil)
        return true
    }

    func centralManagerDidUpdateState(_ central: CBCentralManager) {
        if central.state != .poweredOn, session != nil {
            feed(.disconnected)
        }
    }

    func centralManager(_ central: CBCentralManager, willRestoreState dict: [String: Any]) {
        // Relaunched by iOS for a Bluetooth event: take the restored peripheral back and start the
        // session again; its dialogue subscribes anew, as after any reconnect.
        guard let restored = (dict[CBCentralManagerRestoredStatePeripheralsKey] as? [CBPeripheral])?.first else { return }
        peripheral = restored
        restored.delegate = self
        startMonitoring()
    }

    func centralManager(_ central: CBCentralManager, didConnect peripheral: CBPeripheral) {
        feed(.connected)
    }

    func centralManager(_ central: CBCentralManager, didDisconnectPeripheral peripheral: CBPeripheral, error: Error?) {
        feed(.disconnected)
    }

    func centralManager(_ central: CBCentralManager, didFailToConnect peripheral: CBPeripheral, error: Error?) {
        feed(.connectFailed(reason: error?.localizedDescription ?? "the connection failed"))
    }

    func peripheral(_ p: CBPeripheral, didDiscoverServices error: Error?) {
        if let error {
            feed(.operationFailed(characteristicUuid: nil, reason: error.localizedDescription))
            return
        }
        let services = p.services ?? []
        servicesLeft = services.count
        if services.isEmpty { feed(.servicesDiscovered(characteristicUuids: [])) }
        for service in services { p.discoverCharacteristics(nil, for: service) }
    }

    func peripheral(_ p: CBPeripheral, didDiscoverCharacteristicsFor service: CBService, error: Error?) {
        servicesLeft -= 1
        guard servicesLeft <= 0 else { return }
        let all = (p.services ?? []).flatMap { $0.characteristics ?? [] }.map { $0.uuid.uuidString }
        feed(.servicesDiscovered(characteristicUuids: all))
    }

    func peripheral(_ p: CBPeripheral, didUpdateNotificationStateFor ch: CBCharacteristic, error: Error?) {
        if let error {
            feed(.operationFailed(characteristicUuid: ch.uuid.uuidString, reason: error.localizedDescription))
        } else {
            feed(.subscribed(characteristicUuid: ch.uuid.uuidString))
        }
    }

    func peripheral(_ p: CBPeripheral, didWriteValueFor ch: CBCharacteristic, error: Error?) {
        if let error {
            feed(.operationFailed(characteristicUuid: ch.uuid.uuidString, reason: error.localizedDescription))
        } else {
            feed(.writeAcknowledged(characteristicUuid: ch.uuid.uuidString))
        }
    }

    func peripheral(_ p: CBPeripheral, didUpdateValueFor ch: CBCharacteristic, error: Error?) {
        let uuid = ch.uuid.uuidString
        if pendingReads.remove(ch.uuid) != nil {
            if let error {
                feed(.operationFailed(characteristicUuid: uuid, reason: error.localizedDescription))
            } else {
                feed(.readResult(characteristicUuid: uuid, bytes: ch.value ?? Data()))
            }
            return
        }
        guard error == nil, let value = ch.value else { return }
        // CoreBluetooth reports indications and notifications alike; the session treats them alike too.
        feed(.notification(characteristicUuid: uuid, bytes: value))
    }
}
