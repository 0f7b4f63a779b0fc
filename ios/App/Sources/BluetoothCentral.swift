// Shell-managed BLE on iOS: a CoreBluetooth central with state restoration (btleplug has none), so
// monitoring survives the app being suspended or killed by the system. It follows the core's GattPlan and
// pushes every notification's bytes into the core; the core decodes, classifies and stores.
import CoreBluetooth
import Foundation
import TwitchWatchCore

final class BluetoothCentral: NSObject, CBCentralManagerDelegate, CBPeripheralDelegate, @unchecked Sendable {
    static let defaultRestoreIdentifier = "org.twitchwatch.central"

    static var isAuthorized: Bool { CBCentralManager.authorization == .allowedAlways }

    private let core: TwitchWatch
    private let screens: Screens
    private let queue = DispatchQueue(label: "org.twitchwatch.ble")
    private var central: CBCentralManager!
    private var peripheral: CBPeripheral?
    private var plan: GattPlan?
    private var wantsMonitoring = false
    private var attempt: UInt32 = 0

    init(core: TwitchWatch, screens: Screens) {
        self.core = core
        self.screens = screens
        super.init()
        let identifier = (try? screens.pairedGattPlan())?.iosRestoreIdentifier ?? Self.defaultRestoreIdentifier
        central = CBCentralManager(
            delegate: self,
            queue: queue,
            options: [
                CBCentralManagerOptionRestoreIdentifierKey: identifier,
                CBCentralManagerOptionShowPowerAlertKey: true,
            ]
        )
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: scanning for the pairing screen

    func startScan() {
        queue.async {
            _ = try? self.screens.startScan(nowMs: Self.nowMs())
            guard self.central.state == .poweredOn,
                  let uuids = try? self.screens.pairing(nowMs: Self.nowMs()).scanServiceUuids else { return }
            // A service filter is required for scanning in the background; the core names our service.
            self.central.scanForPeripherals(
                withServices: uuids.map { CBUUID(string: $0) },
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

    /// Connects to the paired wearable and keeps reconnecting until `stop()`.
    func startMonitoring() {
        queue.async {
            self.wantsMonitoring = true
            self.connectIfPossible()
        }
    }

    func stop() {
        queue.async {
            self.wantsMonitoring = false
            if let p = self.peripheral {
                if let plan = self.plan, let cp = self.characteristic(p, plan.controlPointUuid) {
                    p.writeValue(plan.stopCommand, for: cp, type: .withResponse)
                }
                self.central.cancelPeripheralConnection(p)
            }
            self.screens.reportConnection(state: .disconnected)
        }
    }

    private func connectIfPossible() {
        guard wantsMonitoring, central.state == .poweredOn,
              let paired = try? core.devices().paired(),
              let plan = try? screens.pairedGattPlan(),
              let uuid = UUID(uuidString: paired.id) else { return }
        self.plan = plan
        let target = peripheral ?? central.retrievePeripherals(withIdentifiers: [uuid]).first
        guard let target else { return }
        peripheral = target
        target.delegate = self
        screens.reportConnection(state: .connecting)
        // A pending connect never times out: iOS completes it whenever the wearable is back in range,
        // even while the app is suspended.
        central.connect(target, options: nil)
    }

    func centralManagerDidUpdateState(_ central: CBCentralManager) {
        if central.state == .poweredOn {
            connectIfPossible()
        } else {
            screens.reportConnection(state: .disconnected)
        }
    }

    func centralManager(_ central: CBCentralManager, willRestoreState dict: [String: Any]) {
        // Relaunched by iOS for a Bluetooth event: take the restored peripheral back and keep monitoring.
        guard let restored = (dict[CBCentralManagerRestoredStatePeripheralsKey] as? [CBPeripheral])?.first else { return }
        peripheral = restored
        restored.delegate = self
        wantsMonitoring = true
        plan = try? screens.pairedGattPlan()
        if restored.state == .connected {
            screens.reportConnection(state: .streaming)
            discover(restored)
        }
    }

    func centralManager(_ central: CBCentralManager, didConnect peripheral: CBPeripheral) {
        attempt = 0
        screens.reportConnection(state: .connected)
        discover(peripheral)
    }

    func centralManager(_ central: CBCentralManager, didDisconnectPeripheral peripheral: CBPeripheral, error: Error?) {
        guard wantsMonitoring else { return }
        attempt += 1
        screens.reportConnection(state: .reconnecting(attempt: attempt, retryInMs: 0))
        central.connect(peripheral, options: nil)
    }

    func centralManager(_ central: CBCentralManager, didFailToConnect peripheral: CBPeripheral, error: Error?) {
        centralManager(central, didDisconnectPeripheral: peripheral, error: error)
    }

    private func discover(_ p: CBPeripheral) {
        guard let plan else { return }
        p.discoverServices([CBUUID(string: plan.serviceUuid), CBUUID(string: plan.batteryServiceUuid)])
    }

    private func characteristic(_ p: CBPeripheral, _ uuid: String) -> CBCharacteristic? {
        let wanted = CBUUID(string: uuid)
        return p.services?.lazy.compactMap { $0.characteristics?.first { $0.uuid == wanted } }.first
    }

    func peripheral(_ p: CBPeripheral, didDiscoverServices error: Error?) {
        guard let plan else { return }
        for service in p.services ?? [] {
            let wanted = [plan.dataCharacteristicUuid, plan.controlPointUuid, plan.batteryLevelUuid].map { CBUUID(string: $0) }
            p.discoverCharacteristics(wanted, for: service)
        }
    }

    func peripheral(_ p: CBPeripheral, didDiscoverCharacteristicsFor service: CBService, error: Error?) {
        guard let plan else { return }
        for ch in service.characteristics ?? [] {
            switch ch.uuid {
            case CBUUID(string: plan.dataCharacteristicUuid), CBUUID(string: plan.controlPointUuid):
                p.setNotifyValue(true, for: ch)
            case CBUUID(string: plan.batteryLevelUuid):
                p.setNotifyValue(true, for: ch)
                p.readValue(for: ch)
            default:
                break
            }
        }
    }

    func peripheral(_ p: CBPeripheral, didUpdateNotificationStateFor ch: CBCharacteristic, error: Error?) {
        // Start streaming once the control point's indications are on (its answer must reach us).
        guard error == nil, let plan, ch.uuid == CBUUID(string: plan.controlPointUuid), ch.isNotifying else { return }
        p.writeValue(plan.startCommand, for: ch, type: .withResponse)
    }

    func peripheral(_ p: CBPeripheral, didWriteValueFor ch: CBCharacteristic, error: Error?) {
        if error == nil, let plan, ch.uuid == CBUUID(string: plan.controlPointUuid), wantsMonitoring {
            screens.reportConnection(state: .streaming)
        }
    }

    func peripheral(_ p: CBPeripheral, didUpdateValueFor ch: CBCharacteristic, error: Error?) {
        guard error == nil, let value = ch.value else { return }
        do {
            try core.monitoring().pushNotification(
                deviceId: p.identifier.uuidString,
                characteristicUuid: ch.uuid.uuidString,
                bytes: value,
                receiveTimeUs: Int64(Date().timeIntervalSince1970 * 1_000_000)
            )
        } catch {
            // A malformed frame is counted by the core and the stream goes on.
        }
    }
}
