// The platform-free half of the Android GATT client: carries the core session's actions to a GattLink
// (BluetoothGatt in the app, a script in the JVM tests) and every callback back, as bytes and UUIDs.
// It knows no protocol: what to discover, subscribe, read and write comes from the session.
package org.twitchwatch.shell

import java.util.ArrayDeque
import org.twitchwatch.core.PhoneGattSession
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.device.GattAction
import org.twitchwatch.core.device.GattEvent

/**
 * What the platform does for the session. Each operation returns false when the platform refused to
 * start it (Android's `BluetoothGatt` methods do); the driver then answers it as failed. Every
 * operation that returns true must be answered through the driver's callbacks.
 */
interface GattLink {
    fun connect(): Boolean
    fun discoverServices(serviceUuid: String): Boolean
    /** Ask for the MTU and the short connection interval a stream needs (Android: requestMtu and
     *  requestConnectionPriority(HIGH); where the platform negotiates alone, answer `onMtuChanged(null)`). */
    fun requestMtu(mtu: Int): Boolean
    fun read(characteristicUuid: String): Boolean
    fun subscribe(characteristicUuid: String, indications: Boolean): Boolean
    fun write(characteristicUuid: String, bytes: ByteArray, withResponse: Boolean): Boolean
    fun disconnect()
    /** (Re)arm the one timer: call `onTimer()` at `deadlineUs` (µs since the Unix epoch). */
    fun armTimer(deadlineUs: Long)
}

/**
 * Drives one [PhoneGattSession] over one [GattLink]. Call every method from one thread (the app posts
 * its Bluetooth callbacks to the main looper). Events that arrive while a previous one is handled (a
 * link that answers at once) are queued, so the session sees them in order and one at a time.
 *
 * [clockUs] is the wall clock in µs since the Unix epoch. [onProblem] hears the core's typed refusals
 * (a malformed callback) and the session's failure sentence; nothing here throws into the platform.
 */
class GattDriver(
    private val session: PhoneGattSession,
    private val link: GattLink,
    private val clockUs: () -> Long = { System.currentTimeMillis() * 1000 },
    private val onProblem: (String) -> Unit = {},
    private val onFinished: (failure: String?) -> Unit = {},
) {
    private val events = ArrayDeque<GattEvent>()
    private var handling = false
    private var finishedReported = false

    val isFinished: Boolean get() = session.isFinished()

    fun start() {
        try {
            perform(session.start(clockUs()))
        } catch (e: TwitchWatchException) {
            onProblem(e.message ?: e.toString())
        }
        drain()
    }

    fun stop() = feed(GattEvent.StopRequested)

    fun onConnected() = feed(GattEvent.Connected)
    fun onConnectFailed(reason: String) = feed(GattEvent.ConnectFailed(reason))
    fun onDisconnected() = feed(GattEvent.Disconnected)
    fun onServicesDiscovered(characteristicUuids: List<String>) =
        feed(GattEvent.ServicesDiscovered(characteristicUuids))
    fun onMtuChanged(mtu: Int?) = feed(GattEvent.MtuChanged(mtu?.coerceIn(0, 0xFFFF)?.toUShort()))
    fun onSubscribed(characteristicUuid: String) = feed(GattEvent.Subscribed(characteristicUuid))
    fun onWriteAcknowledged(characteristicUuid: String) = feed(GattEvent.WriteAcknowledged(characteristicUuid))
    fun onRead(characteristicUuid: String, bytes: ByteArray) = feed(GattEvent.ReadResult(characteristicUuid, bytes))
    fun onOperationFailed(characteristicUuid: String?, reason: String) =
        feed(GattEvent.OperationFailed(characteristicUuid, reason))
    fun onNotification(characteristicUuid: String, bytes: ByteArray) =
        feed(GattEvent.Notification(characteristicUuid, bytes))
    fun onIndication(characteristicUuid: String, bytes: ByteArray) =
        feed(GattEvent.Indication(characteristicUuid, bytes))
    fun onTimer() = feed(GattEvent.TimedOut)

    private fun feed(event: GattEvent) {
        events.add(event)
        drain()
    }

    private fun drain() {
        if (handling) return
        handling = true
        try {
            while (true) {
                val event = events.poll() ?: break
                try {
                    perform(session.handle(event, clockUs()))
                } catch (e: TwitchWatchException) {
                    onProblem(e.message ?: e.toString())
                }
            }
        } finally {
            handling = false
        }
        if (session.isFinished() && !finishedReported) {
            finishedReported = true
            val failure = session.failure()
            if (failure != null) onProblem(failure)
            onFinished(failure)
        }
    }

    /** Performs the actions in order; a refused one is answered after the rest of the batch, so a
     *  later timer in the same batch cannot replace the one its failure arms. */
    private fun perform(actions: List<GattAction>) {
        for (a in actions) {
            val started = when (a) {
                is GattAction.Connect -> link.connect().also {
                    if (!it) events.add(GattEvent.ConnectFailed("the platform refused to connect"))
                }
                is GattAction.DiscoverServices -> link.discoverServices(a.serviceUuid)
                is GattAction.RequestMtu -> link.requestMtu(a.mtu.toInt())
                is GattAction.Read -> link.read(a.characteristicUuid)
                is GattAction.Subscribe -> link.subscribe(a.characteristicUuid, a.indications)
                is GattAction.Write -> link.write(a.characteristicUuid, a.bytes, a.withResponse)
                is GattAction.WaitUntil -> { link.armTimer(a.deadlineUs); true }
                is GattAction.Disconnect -> { link.disconnect(); true }
            }
            if (!started && a !is GattAction.Connect) {
                events.add(GattEvent.OperationFailed(characteristicOf(a), "the platform refused the operation"))
            }
        }
    }

    private fun characteristicOf(a: GattAction): String? = when (a) {
        is GattAction.Read -> a.characteristicUuid
        is GattAction.Subscribe -> a.characteristicUuid
        is GattAction.Write -> a.characteristicUuid
        else -> null
    }
}
