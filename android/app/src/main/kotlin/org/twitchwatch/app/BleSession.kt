// Shell-managed BLE: Android's own GATT client is the GattLink of the core's session. It performs what
// the session asks (connect, discover, MTU, read, subscribe, write, timer) and hands every callback back
// as bytes and UUIDs through GattDriver (android/shell); the dialogue itself is the core's.
package org.twitchwatch.app

import android.annotation.SuppressLint
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCallback
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.bluetooth.BluetoothManager
import android.bluetooth.BluetoothProfile
import android.content.Context
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.util.Log
import java.util.UUID
import org.twitchwatch.core.PhoneGattSession
import org.twitchwatch.shell.GattDriver
import org.twitchwatch.shell.GattLink

private val CCCD: UUID = UUID.fromString("00002902-0000-1000-8000-00805f9b34fb")

/** Permissions are checked by the activity before the service starts this session. */
@SuppressLint("MissingPermission")
class BleSession(
    private val context: Context,
    private val session: PhoneGattSession,
) : GattLink {
    private val main = Handler(Looper.getMainLooper())
    private var gatt: BluetoothGatt? = null
    private var connected = false
    private val timer = Runnable { driver.onTimer() }

    // Every callback is posted to the main looper, so the driver sees one event at a time, in order.
    private val driver = GattDriver(
        session,
        this,
        onProblem = { Log.d(TwitchWatchApp.TAG, "GATT session: $it") },
        onFinished = { failure -> if (failure != null) Log.w(TwitchWatchApp.TAG, "monitoring ended: $failure") },
    )

    fun start() = main.post { driver.start() }.let {}

    /** The user stopped: the session leaves the sensor idle, then asks to disconnect. */
    fun close() = main.post { driver.stop() }.let {}

    private fun nowUs() = System.currentTimeMillis() * 1000

    private fun characteristic(uuid: String): BluetoothGattCharacteristic? {
        val wanted = UUID.fromString(uuid)
        return gatt?.services?.firstNotNullOfOrNull { it.getCharacteristic(wanted) }
    }

    // ---- GattLink: what the session asks for ----

    override fun connect(): Boolean {
        gatt?.close()
        connected = false
        val adapter = context.getSystemService(BluetoothManager::class.java).adapter ?: return false
        val device = adapter.getRemoteDevice(session.device().id)
        // autoConnect = false: the session owns the connect timeout and the reconnect policy. A sensor
        // that wants bonding triggers the system's pairing dialog by itself.
        gatt = device.connectGatt(context, false, callback, BluetoothDevice.TRANSPORT_LE)
        return gatt != null
    }

    override fun discoverServices(serviceUuid: String): Boolean = gatt?.discoverServices() == true

    override fun requestMtu(mtu: Int): Boolean {
        val g = gatt ?: return false
        // A 200 Hz stream needs the short connection interval; Android asks the peripheral for it.
        g.requestConnectionPriority(BluetoothGatt.CONNECTION_PRIORITY_HIGH)
        return g.requestMtu(mtu)
    }

    override fun read(characteristicUuid: String): Boolean {
        val g = gatt ?: return false
        val ch = characteristic(characteristicUuid) ?: return false
        return g.readCharacteristic(ch)
    }

    override fun subscribe(characteristicUuid: String, indications: Boolean): Boolean {
        val g = gatt ?: return false
        val ch = characteristic(characteristicUuid) ?: return false
        if (!g.setCharacteristicNotification(ch, true)) return false
        val d = ch.getDescriptor(CCCD) ?: return false
        val value = if (indications) BluetoothGattDescriptor.ENABLE_INDICATION_VALUE
        else BluetoothGattDescriptor.ENABLE_NOTIFICATION_VALUE
        return if (Build.VERSION.SDK_INT >= 33) {
            g.writeDescriptor(d, value) == BluetoothGatt.GATT_SUCCESS
        } else {
            @Suppress("DEPRECATION")
            d.value = value
            @Suppress("DEPRECATION")
            g.writeDescriptor(d)
        }
    }

    override fun write(characteristicUuid: String, bytes: ByteArray, withResponse: Boolean): Boolean {
        val g = gatt ?: return false
        val ch = characteristic(characteristicUuid) ?: return false
        val type = if (withResponse) BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT
        else BluetoothGattCharacteristic.WRITE_TYPE_NO_RESPONSE
        return if (Build.VERSION.SDK_INT >= 33) {
            g.writeCharacteristic(ch, bytes, type) == BluetoothGatt.GATT_SUCCESS
        } else {
            @Suppress("DEPRECATION")
            ch.value = bytes
            ch.writeType = type
            @Suppress("DEPRECATION")
            g.writeCharacteristic(ch)
        }
    }

    override fun disconnect() {
        gatt?.let {
            it.disconnect()
            it.close()
        }
        gatt = null
        connected = false
    }

    override fun armTimer(deadlineUs: Long) {
        main.removeCallbacks(timer)
        main.postDelayed(timer, ((deadlineUs - nowUs()) / 1000).coerceAtLeast(0))
    }

    // ---- BluetoothGattCallback: what happened, handed back to the session ----

    private fun ok(status: Int) = status == BluetoothGatt.GATT_SUCCESS

    private val callback = object : BluetoothGattCallback() {
        override fun onConnectionStateChange(g: BluetoothGatt, status: Int, newState: Int) = main.post {
            if (g != gatt) return@post
            when {
                newState == BluetoothProfile.STATE_CONNECTED && ok(status) -> {
                    connected = true
                    driver.onConnected()
                }
                newState == BluetoothProfile.STATE_DISCONNECTED -> {
                    g.close()
                    gatt = null
                    if (connected) driver.onDisconnected() else driver.onConnectFailed("GATT status $status")
                    connected = false
                }
            }
        }.let {}

        override fun onServicesDiscovered(g: BluetoothGatt, status: Int) = main.post {
            if (!ok(status)) {
                driver.onOperationFailed(null, "service discovery failed (GATT status $status)")
                return@post
            }
            driver.onServicesDiscovered(g.services.flatMap { s -> s.characteristics.map { it.uuid.toString() } })
        }.let {}

        override fun onMtuChanged(g: BluetoothGatt, mtu: Int, status: Int) = main.post {
            driver.onMtuChanged(if (ok(status)) mtu else null)
        }.let {}

        override fun onDescriptorWrite(g: BluetoothGatt, d: BluetoothGattDescriptor, status: Int) = main.post {
            val uuid = d.characteristic.uuid.toString()
            if (ok(status)) driver.onSubscribed(uuid) else driver.onOperationFailed(uuid, "GATT status $status")
        }.let {}

        override fun onCharacteristicWrite(g: BluetoothGatt, ch: BluetoothGattCharacteristic, status: Int) = main.post {
            val uuid = ch.uuid.toString()
            if (ok(status)) driver.onWriteAcknowledged(uuid) else driver.onOperationFailed(uuid, "GATT status $status")
        }.let {}

        override fun onCharacteristicRead(g: BluetoothGatt, ch: BluetoothGattCharacteristic, value: ByteArray, status: Int) {
            read(ch.uuid.toString(), value.copyOf(), status)
        }

        @Deprecated("Android 12 and older")
        override fun onCharacteristicRead(g: BluetoothGatt, ch: BluetoothGattCharacteristic, status: Int) {
            @Suppress("DEPRECATION")
            if (Build.VERSION.SDK_INT < 33) read(ch.uuid.toString(), ch.value?.copyOf() ?: ByteArray(0), status)
        }

        // Android reports indications and notifications alike; the session treats them alike too.
        override fun onCharacteristicChanged(g: BluetoothGatt, ch: BluetoothGattCharacteristic, value: ByteArray) {
            changed(ch.uuid.toString(), value.copyOf())
        }

        @Deprecated("Android 12 and older")
        override fun onCharacteristicChanged(g: BluetoothGatt, ch: BluetoothGattCharacteristic) {
            @Suppress("DEPRECATION")
            if (Build.VERSION.SDK_INT < 33) changed(ch.uuid.toString(), ch.value?.copyOf() ?: return)
        }
    }

    private fun read(uuid: String, value: ByteArray, status: Int) = main.post {
        if (ok(status)) driver.onRead(uuid, value) else driver.onOperationFailed(uuid, "GATT status $status")
    }.let {}

    private fun changed(uuid: String, value: ByteArray) = main.post { driver.onNotification(uuid, value) }.let {}
}
