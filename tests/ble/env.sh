# Sourced by run.sh / bench.sh: starts a private system-type dbus-daemon and the BlueZ emulator,
# exports DBUS_SYSTEM_BUS_ADDRESS, and registers cleanup. Needs EMULATOR_BIN set.
set -euo pipefail
BLE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/twitchwatch-ble.XXXXXX")
DBUS_PID=""
EMU_PID=""
ble_cleanup() {
  [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null || true
  [ -n "$DBUS_PID" ] && kill "$DBUS_PID" 2>/dev/null && wait "$DBUS_PID" 2>/dev/null || true
  rm -rf "$BLE_TMP"
}
trap ble_cleanup EXIT INT TERM
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sed "s|@DIR@|$BLE_TMP|g" "$HERE/system-bus.conf.in" > "$BLE_TMP/system.conf"
command -v dbus-daemon >/dev/null || { echo "dbus-daemon not found: apt-get install dbus" >&2; exit 1; }
dbus-daemon --config-file="$BLE_TMP/system.conf" --nofork --nopidfile --print-address=3 3>"$BLE_TMP/address" &
DBUS_PID=$!
for _ in $(seq 1 100); do [ -s "$BLE_TMP/address" ] && break; sleep 0.05; done
[ -s "$BLE_TMP/address" ] || { echo "dbus-daemon did not start" >&2; exit 1; }
export DBUS_SYSTEM_BUS_ADDRESS=$(head -n1 "$BLE_TMP/address")
"$EMULATOR_BIN" 2>"$BLE_TMP/emulator.log" &
EMU_PID=$!
# Nothing autostarts org.bluez: wait until the emulator owns it.
for _ in $(seq 1 200); do
  if dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.bluez 2>/dev/null | grep -q "boolean true"; then
    break
  fi
  kill -0 "$EMU_PID" 2>/dev/null || { cat "$BLE_TMP/emulator.log" >&2; echo "emulator exited" >&2; exit 1; }
  sleep 0.05
done
echo "private system bus: $DBUS_SYSTEM_BUS_ADDRESS; emulator pid $EMU_PID" >&2
