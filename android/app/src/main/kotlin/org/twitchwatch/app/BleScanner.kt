// Scanning for the pairing screen: every advertisement goes to the core, which decides what is listed.
package org.twitchwatch.app

import android.annotation.SuppressLint
import android.bluetooth.BluetoothManager
import android.bluetooth.le.ScanCallback
import android.bluetooth.le.ScanFilter
import android.bluetooth.le.ScanResult
import android.bluetooth.le.ScanSettings
import android.content.Context
import android.os.ParcelUuid
import org.twitchwatch.core.app.Advertisement

@SuppressLint("MissingPermission")
class BleScanner(context: Context, private val onAdvertisement: (Advertisement) -> Unit) {
    private val scanner = context.getSystemService(BluetoothManager::class.java).adapter?.bluetoothLeScanner

    private val callback = object : ScanCallback() {
        override fun onScanResult(callbackType: Int, result: ScanResult) {
            val record = result.scanRecord
            onAdvertisement(
                Advertisement(
                    id = result.device.address,
                    name = record?.deviceName ?: result.device.name,
                    rssiDbm = result.rssi.toShort(),
                    serviceUuids = record?.serviceUuids?.map { it.uuid.toString() } ?: emptyList(),
                    seenAtMs = System.currentTimeMillis(),
                ),
            )
        }
    }

    /** Filtered on the services the core names (ours, and heart rate, which Polar sensors advertise
     *  instead of PMD); unfiltered when it names none. The core decides what is listed. */
    fun start(serviceUuids: List<String>): Boolean {
        val s = scanner ?: return false
        val filters = serviceUuids.map { ScanFilter.Builder().setServiceUuid(ParcelUuid.fromString(it)).build() }
        val settings = ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build()
        s.startScan(filters.ifEmpty { null }, settings, callback)
        return true
    }

    fun stop() {
        scanner?.stopScan(callback)
    }
}
