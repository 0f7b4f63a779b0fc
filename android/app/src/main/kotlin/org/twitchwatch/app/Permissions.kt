// Reads Android's permission state into the shell's PermissionSnapshot (the decisions are in :shell).
package org.twitchwatch.app

import android.app.Activity
import android.bluetooth.BluetoothManager
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.content.ContextCompat
import org.twitchwatch.core.app.PlatformPermissions
import org.twitchwatch.shell.AndroidPermissions
import org.twitchwatch.shell.PermissionFlow
import org.twitchwatch.shell.PermissionSnapshot

private const val PREFS = "permissions"
private const val REQUESTED = "requested"

fun permissionSnapshot(context: Context): PermissionSnapshot {
    val sdk = Build.VERSION.SDK_INT
    val all = AndroidPermissions.bluetooth(sdk) + AndroidPermissions.notifications(sdk)
    val granted = all.filter {
        ContextCompat.checkSelfPermission(context, it) == PackageManager.PERMISSION_GRANTED
    }.toSet()
    val rationale = if (context is Activity) {
        all.filter { context.shouldShowRequestPermissionRationale(it) }.toSet()
    } else {
        emptySet()
    }
    val requested = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
        .getStringSet(REQUESTED, emptySet()) ?: emptySet()
    val enabled = context.getSystemService(BluetoothManager::class.java).adapter?.isEnabled == true
    return PermissionSnapshot(sdk, granted, rationale, requested, enabled)
}

fun rememberRequested(context: Context, permissions: List<String>) {
    val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
    val before = prefs.getStringSet(REQUESTED, emptySet()) ?: emptySet()
    prefs.edit().putStringSet(REQUESTED, before + permissions).apply()
}

fun currentPermissions(context: Context): PlatformPermissions =
    PermissionFlow.platformPermissions(permissionSnapshot(context))
