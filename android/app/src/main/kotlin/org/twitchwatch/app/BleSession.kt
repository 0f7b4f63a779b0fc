// Shell-managed BLE: Android's own GATT client connects to the paired wearable, follows the core's
// GattPlan (subscribe, write the start command) and pushes every notification's bytes into the core.
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
import java.util.ArrayDeque
import java.util.UUID
import org.twitchwatch.core.Screens
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.app.GattPlan
import org.twitchwatch.core.model.ConnectionState

private val CCCD: UUID = UUID.fromString("00002902-0000-1000-8000-00805f9b34fb")

/** Permissions are checked by the activity before the service starts this session. */
@SuppressLint("MissingPermission")
class BleSession(
    private val context: Context,
    private val core: TwitchWatch,
    private val screens: Screens,
    private val deviceId: String,
    private val plan: GattPlan,
) {
    private val main = Handler(Looper.getMainLooper())
    private var gatt: BluetoothGatt? = null
    private var attempt = 0u
    private var closed = false

    /** GATT allows one outstanding operation; the rest wait here. */
    private val queue = ArrayDeque<(BluetoothGatt) -> Boolean>()
    private var busy = false

    fun start() {
        val adapter = context.getSystemService(BluetoothManager::class.java).adapter ?: return
        val device = adapter.getRemoteDevice(deviceId)
        screens.reportConnection(ConnectionState.Connecting)
        // autoConnect = true: Android reconnects by itself when the wearable comes back in range.
        gatt = device.connectGatt(context, true, callback, BluetoothDevice.TRANSPORT_LE)
    }

    fun close() {
        closed = true
        main.removeCallbacksAndMessages(null)
        gatt?.let { g ->
            service(g)?.getCharacteristic(UUID.fromString(plan.controlPointUuid))?.let { cp ->
                write(g, cp, plan.stopCommand)
            }
            g.disconnect()
            g.close()
        }
        gatt = null
        screens.reportConnection(ConnectionState.Disconnected)
    }

    private fun service(g: BluetoothGatt) = g.getService(UUID.fromString(plan.serviceUuid))

    private fun enqueue(op: (BluetoothGatt) -> Boolean) {
        queue.add(op)
        drain()
    }

    private fun drain() {
        val g = gatt ?: return
        while (!busy && queue.isNotEmpty()) {
            busy = queue.poll()?.invoke(g) == true
        }
    }

    private fun operationDone() {
        busy = false
        drain()
    }

    private fun subscribe(g: BluetoothGatt, ch: BluetoothGattCharacteristic, indicate: Boolean): Boolean {
        g.setCharacteristicNotification(ch, true)
        val d = ch.getDescriptor(CCCD) ?: return false
        val value = if (indicate) BluetoothGattDescriptor.ENABLE_INDICATION_VALUE
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

    private fun write(g: BluetoothGatt, ch: BluetoothGattCharacteristic, bytes: ByteArray): Boolean =
        if (Build.VERSION.SDK_INT >= 33) {
            g.writeCharacteristic(ch, bytes, BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT) ==
                BluetoothGatt.GATT_SUCCESS
        } else {
            @Suppress("DEPRECATION")
            ch.value = bytes
            ch.writeType = BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT
            @Suppress("DEPRECATION")
            g.writeCharacteristic(ch)
        }

    private fun push(uuid: UUID, value: ByteArray) {
        try {
            core.monitoring().pushNotification(deviceId, uuid.toString(), value, System.currentTimeMillis() * 1000)
        } catch (e: TwitchWatchException) {
            // Malformed frames are counted by the core and the stream goes on; never crash the service.
            Log.d(TwitchWatchApp.TAG, "notification refused: ${e.message}")
        }
    }

    private val callback = object : BluetoothGattCallback() {
        override fun onConnectionStateChange(g: BluetoothGatt, status: Int, newState: Int) = main.post {
            if (closed) return@post
            when (newState) {
                BluetoothProfile.STATE_CONNECTED -> {
                    attempt = 0u
                    screens.reportConnection(ConnectionState.Connected)
                    // 247 fits one frame per notification (docs/protocol.md).
                    if (!g.requestMtu(247)) g.discoverServices()
                }
                BluetoothProfile.STATE_DISCONNECTED -> {
                    queue.clear()
                    busy = false
                    attempt += 1u
                    // autoConnect keeps trying; the UI shows it as reconnecting.
                    screens.reportConnection(ConnectionState.Reconnecting(attempt, 0uL))
                }
            }
        }.let {}

        override fun onMtuChanged(g: BluetoothGatt, mtu: Int, status: Int) = main.post {
            g.discoverServices()
        }.let {}

        override fun onServicesDiscovered(g: BluetoothGatt, status: Int) = main.post {
            val s = service(g)
            if (status != BluetoothGatt.GATT_SUCCESS || s == null) {
                Log.w(TwitchWatchApp.TAG, "TwitchWatch service not found on the paired device")
                g.disconnect()
                return@post
            }
            val data = s.getCharacteristic(UUID.fromString(plan.dataCharacteristicUuid))
            val control = s.getCharacteristic(UUID.fromString(plan.controlPointUuid))
            val battery = g.getService(UUID.fromString(plan.batteryServiceUuid))
                ?.getCharacteristic(UUID.fromString(plan.batteryLevelUuid))
            if (data != null) enqueue { subscribe(it, data, indicate = false) }
            if (control != null) {
                enqueue { subscribe(it, control, indicate = true) }
                enqueue { write(it, control, plan.startCommand) }
            }
            if (battery != null) {
                enqueue { subscribe(it, battery, indicate = false) }
                enqueue { it.readCharacteristic(battery) }
            }
        }.let {}

        override fun onDescriptorWrite(g: BluetoothGatt, d: BluetoothGattDescriptor, status: Int) =
            main.post { operationDone() }.let {}

        override fun onCharacteristicWrite(g: BluetoothGatt, ch: BluetoothGattCharacteristic, status: Int) =
            main.post {
                if (ch.uuid == UUID.fromString(plan.controlPointUuid) && status == BluetoothGatt.GATT_SUCCESS) {
                    screens.reportConnection(ConnectionState.Streaming)
                }
                operationDone()
            }.let {}

        override fun onCharacteristicRead(
            g: BluetoothGatt,
            ch: BluetoothGattCharacteristic,
            value: ByteArray,
            status: Int,
        ) {
            if (status == BluetoothGatt.GATT_SUCCESS) push(ch.uuid, value)
            main.post { operationDone() }
        }

        @Deprecated("Android 12 and older")
        override fun onCharacteristicRead(g: BluetoothGatt, ch: BluetoothGattCharacteristic, status: Int) {
            @Suppress("DEPRECATION")
            val value = ch.value
            if (Build.VERSION.SDK_INT < 33 && status == BluetoothGatt.GATT_SUCCESS && value != null) push(ch.uuid, value)
            if (Build.VERSION.SDK_INT < 33) main.post { operationDone() }
        }

        // Android 13+: the value comes as a parameter (thread-safe).
        override fun onCharacteristicChanged(g: BluetoothGatt, ch: BluetoothGattCharacteristic, value: ByteArray) {
            push(ch.uuid, value)
        }

        @Deprecated("Android 12 and older")
        override fun onCharacteristicChanged(g: BluetoothGatt, ch: BluetoothGattCharacteristic) {
            @Suppress("DEPRECATION")
            if (Build.VERSION.SDK_INT < 33) push(ch.uuid, ch.value ?: return)
        }
    }
}

