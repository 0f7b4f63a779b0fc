// The store's data key on the phone and what to do at each failure: the first start makes a key and
// keeps it, later starts open with it, a key that cannot be used any more (the Keystore key gone
// after a restore to another phone, an invalidated key, a damaged wrapped copy) says so and offers to
// start over, and "delete my data" closes, deletes, forgets the key and opens a fresh store.
// Where the key is kept is the app's KeyVault (the Android Keystore); the tests use a file.
package org.twitchwatch.shell

import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.app.DataProblem
import org.twitchwatch.core.app.DataProblemState
import org.twitchwatch.core.app.FirstScreen
import org.twitchwatch.core.app.OpenOptions
import org.twitchwatch.core.dataFolderState
import org.twitchwatch.core.dataProblemScreen
import org.twitchwatch.core.deleteAllData
import org.twitchwatch.core.generateDataKey
import org.twitchwatch.core.startScreen

/** The size of a data key the core accepts. */
const val DATA_KEY_BYTES = 32

/** A key was stored but cannot be read back: the keystore key is gone or refuses to unwrap it. */
class KeyUnavailableException(message: String, cause: Throwable? = null) : Exception(message, cause)

/** Where the data key is kept between starts. */
interface KeyVault {
    /** The stored key, or null when none was ever stored. [KeyUnavailableException] when one was
     *  stored and cannot be recovered. */
    fun load(): ByteArray?

    /** Keeps [key], replacing any earlier one. */
    fun save(key: ByteArray)

    /** Forgets the key (and whatever protects it); nothing stored is not an error. */
    fun delete()
}

/** Opens the store; the app passes the core's own, the tests can count or fail calls. */
fun interface StoreOpener {
    fun open(dataDir: String, options: OpenOptions): TwitchWatch
}

val coreOpener = StoreOpener { dir, options -> TwitchWatch.open(dir, options) }

/** How a start went. */
sealed class StoreStart {
    /** The store is open; [firstStart] when its key was made just now. */
    class Opened(val core: TwitchWatch, val firstStart: Boolean) : StoreStart()

    /** The data exists but its key is lost: it cannot be read again. The user may start over. */
    data class KeyLost(val screen: DataProblemState) : StoreStart() {
        val message: String get() = screen.body
    }

    /** The store could not be opened for another reason; the core's screen and sentence say what to do. */
    data class Failed(val screen: DataProblemState) : StoreStart() {
        val message: String get() = listOfNotNull(screen.body, screen.detail).joinToString(" ")
    }
}

private fun keyLost() = StoreStart.KeyLost(dataProblemScreen(DataProblem.KEY_LOST, null))

private fun openFailed(detail: String) = StoreStart.Failed(dataProblemScreen(DataProblem.OPEN_FAILED, detail))

/** How "delete my data" went. */
sealed class Deletion {
    /** Everything is gone, the key too; [start] is the fresh store. */
    class Done(val start: StoreStart) : Deletion()

    /** Nothing was deleted (or not all of it) and the key is kept, so what is left still opens. */
    class Failed(val message: String, val start: StoreStart) : Deletion()
}

object DataKeys {
    /**
     * Opens the store at [dataDir] with the key in [vault], making and keeping a key on the first
     * start. The new key is kept before the store is opened with it, so a store is never written
     * under a key that was not saved. A store written unencrypted by an earlier version is
     * encrypted under the new key by the core on this open.
     */
    fun open(dataDir: String, vault: KeyVault, opener: StoreOpener = coreOpener): StoreStart {
        // What the folder holds, found without writing: a store from a newer version, a damaged
        // one or something else entirely is shown as it is, never opened (nor a key made for it).
        startScreen(dataFolderState(dataDir)).let { start ->
            if (start.firstScreen == FirstScreen.DATA_PROBLEM) {
                return StoreStart.Failed(start.problem ?: dataProblemScreen(DataProblem.OPEN_FAILED, null))
            }
        }
        val stored = try {
            vault.load()
        } catch (e: KeyUnavailableException) {
            return keyLost()
        }
        if (stored != null && stored.size != DATA_KEY_BYTES) return keyLost()
        val key = stored ?: generateDataKey().also { fresh ->
            try {
                vault.save(fresh)
            } catch (e: Exception) {
                return openFailed("The phone's key store refused to keep the data key: ${e.message ?: e}")
            }
        }
        return try {
            StoreStart.Opened(opener.open(dataDir, OpenOptions(dataKey = key)), firstStart = stored == null)
        } catch (e: TwitchWatchException.WrongKey) {
            keyLost()
        } catch (e: TwitchWatchException) {
            openFailed(errorMessage(e))
        } finally {
            key.fill(0)
        }
    }

    /**
     * After [StoreStart.KeyLost]: deletes the unreadable data and the lost key, then opens an empty
     * store under a new key. Nothing may hold the store open (a failed open holds nothing).
     */
    fun startOver(dataDir: String, vault: KeyVault, opener: StoreOpener = coreOpener): Deletion =
        deleteAndReopen(dataDir, vault, opener)

    /**
     * "Delete my data": ends the session and closes [current] (every area taken from it stops
     * working), deletes every file of the store, forgets the key, and opens an empty store under a
     * new key. When the files cannot be deleted the key is kept and the store reopened with it, so
     * what remains is still the user's to read or delete again.
     */
    fun deleteMyData(current: TwitchWatch, dataDir: String, vault: KeyVault, opener: StoreOpener = coreOpener): Deletion {
        try {
            current.closeStore()
        } catch (e: TwitchWatchException) {
            return Deletion.Failed(errorMessage(e), StoreStart.Opened(current, firstStart = false))
        }
        return deleteAndReopen(dataDir, vault, opener)
    }

    private fun deleteAndReopen(dataDir: String, vault: KeyVault, opener: StoreOpener): Deletion {
        try {
            deleteAllData(dataDir)
        } catch (e: TwitchWatchException) {
            return Deletion.Failed(errorMessage(e), open(dataDir, vault, opener))
        }
        // The files are gone; forgetting the key also makes any copy of them made earlier unreadable.
        try {
            vault.delete()
        } catch (e: Exception) {
            // A key that cannot be deleted is at least not used again: a new one replaces it.
            try {
                vault.save(generateDataKey())
            } catch (ignored: Exception) {
            }
        }
        return Deletion.Done(open(dataDir, vault, opener))
    }
}
