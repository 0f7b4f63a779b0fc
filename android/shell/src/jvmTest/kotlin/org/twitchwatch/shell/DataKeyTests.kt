// The data key's life on the phone, against the REAL library: the first start makes and keeps a key
// and opens an encrypted store with it, a later start reopens it, a wrong or lost key is a clean
// "start over" offer (the core's WrongKey), and "delete my data" leaves an empty folder and an empty
// store under a new key. The Android Keystore is replaced by a file here, as the KeyVault allows.
package org.twitchwatch.shell

import java.io.File
import java.nio.file.Files
import org.twitchwatch.core.TwitchWatch
import org.twitchwatch.core.TwitchWatchException
import org.twitchwatch.core.app.OpenOptions
import org.twitchwatch.core.generateDataKey
import org.twitchwatch.core.journal.JournalEntry

private class KeyFailure(message: String) : Exception(message)

private fun need(condition: Boolean, message: () -> String) {
    if (!condition) throw KeyFailure(message())
}

/** The key in a plain file: what the Keystore-backed vault does, without the Keystore. */
class FileKeyVault(private val file: File) : KeyVault {
    /** Set to make [load] fail as an invalidated Keystore key does. */
    var unavailable = false

    override fun load(): ByteArray? {
        if (unavailable) throw KeyUnavailableException("the keystore key is gone")
        return if (file.exists()) file.readBytes() else null
    }

    override fun save(key: ByteArray) {
        file.writeBytes(key)
    }

    override fun delete() {
        file.delete()
    }
}

private fun <T> inTempDir(body: (File) -> T): T {
    val dir = Files.createTempDirectory("twitchwatch-key-test").toFile()
    try {
        return body(dir)
    } finally {
        dir.deleteRecursively()
    }
}

private fun opened(start: StoreStart): StoreStart.Opened =
    start as? StoreStart.Opened ?: throw KeyFailure("store not opened: $start")

private const val NOTE = "shell-key-test-note-41c9"

fun registerDataKeyTests(test: (String, () -> Unit) -> Unit) {
    test("the first start makes a key, opens an encrypted store with it, and the next start reopens it") {
        inTempDir { root ->
            val dir = File(root, "store").path
            val vault = FileKeyVault(File(root, "datakey"))
            val first = opened(DataKeys.open(dir, vault))
            need(first.firstStart) { "a first start not seen as one" }
            val key = vault.load()!!
            need(key.size == DATA_KEY_BYTES) { "kept a key of ${key.size} bytes" }
            first.core.use { core ->
                core.journal().put(JournalEntry(date = core.history().today(), notes = NOTE))
                core.closeStore()
            }
            val leaked = File(dir).walkTopDown().filter { it.isFile }
                .any { String(it.readBytes(), Charsets.ISO_8859_1).contains(NOTE) }
            need(!leaked) { "the note is readable in a file of the store: it was not opened with the key" }
            // Without a key the core refuses: the store really is encrypted.
            try {
                TwitchWatch.open(dir, OpenOptions()).close()
                throw KeyFailure("an encrypted store opened without its key")
            } catch (e: TwitchWatchException.WrongKey) {
            }
            val again = opened(DataKeys.open(dir, vault))
            need(!again.firstStart) { "a second start made a new key" }
            need(vault.load()!!.contentEquals(key)) { "the key changed on the second start" }
            again.core.use { core ->
                need(core.journal().entry(core.history().today())?.notes == NOTE) { "the note did not come back" }
                core.closeStore()
            }
        }
    }

    test("a wrong key is the core's WrongKey and an offer to start over, with nothing changed") {
        inTempDir { root ->
            val dir = File(root, "store").path
            val vault = FileKeyVault(File(root, "datakey"))
            opened(DataKeys.open(dir, vault)).core.use { core ->
                core.journal().put(JournalEntry(date = core.history().today(), notes = NOTE))
                core.closeStore()
            }
            val right = vault.load()!!
            try {
                TwitchWatch.open(dir, OpenOptions(dataKey = generateDataKey())).close()
                throw KeyFailure("a wrong key opened the store")
            } catch (e: TwitchWatchException.WrongKey) {
                need(e.reason.isNotBlank()) { "WrongKey without a reason" }
            }
            vault.save(generateDataKey())
            val lost = DataKeys.open(dir, vault)
            need(lost is StoreStart.KeyLost) { "a wrong key gave $lost" }
            need("Start over" in (lost as StoreStart.KeyLost).message) { lost.message }
            // A damaged wrapped key (the wrong length) is lost too, not an InvalidInput crash.
            vault.save(ByteArray(7))
            need(DataKeys.open(dir, vault) is StoreStart.KeyLost) { "a 7-byte key was not a lost key" }
            // Nothing was changed: the right key still reads the note.
            vault.save(right)
            opened(DataKeys.open(dir, vault)).core.use { core ->
                need(core.journal().entry(core.history().today())?.notes == NOTE) { "the failed opens changed the store" }
                core.closeStore()
            }
        }
    }

    test("a keystore key that is gone offers to start over, and starting over gives an empty store") {
        inTempDir { root ->
            val dir = File(root, "store").path
            val vault = FileKeyVault(File(root, "datakey"))
            opened(DataKeys.open(dir, vault)).core.use { core ->
                core.journal().put(JournalEntry(date = core.history().today(), notes = NOTE))
                core.closeStore()
            }
            val oldKey = vault.load()!!
            vault.unavailable = true
            need(DataKeys.open(dir, vault) is StoreStart.KeyLost) { "an unavailable key was not a lost key" }
            vault.unavailable = false
            val over = DataKeys.startOver(dir, vault)
            need(over is Deletion.Done) { "start over failed: ${(over as? Deletion.Failed)?.message}" }
            val fresh = opened((over as Deletion.Done).start)
            need(fresh.firstStart) { "starting over kept the old key" }
            need(!vault.load()!!.contentEquals(oldKey)) { "the lost key is still the key" }
            fresh.core.use { core ->
                need(core.journal().entry(core.history().today()) == null) { "data survived starting over" }
                core.closeStore()
            }
        }
    }

    test("delete my data closes the store, leaves an empty folder, forgets the key, and reopens empty") {
        inTempDir { root ->
            val dir = File(root, "store").path
            val vault = FileKeyVault(File(root, "datakey"))
            val start = opened(DataKeys.open(dir, vault))
            val oldKey = vault.load()!!
            val core = start.core
            val journal = core.journal()
            journal.put(JournalEntry(date = core.history().today(), notes = NOTE))
            val screens = core.screens()
            // What is in the folder when the fresh store is opened: deletion left nothing behind.
            var leftBeforeReopen: List<String>? = null
            val watching = StoreOpener { d, o ->
                leftBeforeReopen = File(d).let { if (it.exists()) it.list()!!.toList() else emptyList() }
                TwitchWatch.open(d, o)
            }
            val deletion = DataKeys.deleteMyData(core, dir, vault, watching)
            need(deletion is Deletion.Done) { "deletion failed: ${(deletion as? Deletion.Failed)?.message}" }
            need(leftBeforeReopen == emptyList<String>()) { "files left after deletion: $leftBeforeReopen" }
            // Areas taken from the closed store refuse politely.
            try {
                journal.entry("2026-01-01")
                throw KeyFailure("the deleted store still answered")
            } catch (e: TwitchWatchException.InvalidState) {
            }
            screens.close()
            core.close()
            val fresh = opened((deletion as Deletion.Done).start)
            need(fresh.firstStart) { "the fresh store did not get a new key" }
            need(!vault.load()!!.contentEquals(oldKey)) { "the old key was kept" }
            fresh.core.use { c ->
                need(c.journal().entry(c.history().today()) == null) { "a journal entry survived deletion" }
                need(c.history().dataSpan() == null) { "history survived deletion" }
                c.closeStore()
            }
        }
    }

    test("a folder that is not a store is the core's data-problem screen, with no key made and nothing written") {
        inTempDir { root ->
            val file = File(root, "store").apply { writeText("not a folder") }
            val vault = FileKeyVault(File(root, "datakey"))
            val start = DataKeys.open(file.path, vault)
            need(start is StoreStart.Failed) { "a file opened as $start" }
            val screen = (start as StoreStart.Failed).screen
            need(screen.problem == org.twitchwatch.core.app.DataProblem.NOT_A_STORE) { "problem ${screen.problem}" }
            need(screen.title.isNotBlank() && screen.startOverLabel == null) { "screen $screen" }
            need(vault.load() == null) { "a key was made for a folder that is not a store" }
            need(file.readText() == "not a folder") { "the file was changed" }
        }
    }

    test("a fresh store that cannot be opened after deletion is reported, and the next start opens it empty") {
        inTempDir { root ->
            val dir = File(root, "store").path
            val vault = FileKeyVault(File(root, "datakey"))
            val start = opened(DataKeys.open(dir, vault))
            val key = vault.load()!!
            start.core.journal().put(JournalEntry(date = start.core.history().today(), notes = NOTE))
            val refusing = StoreOpener { _, _ -> throw TwitchWatchException.Io("the disk is full") }
            val deleted = DataKeys.deleteMyData(start.core, dir, vault, refusing)
            start.core.close()
            need(deleted is Deletion.Done) { "deletion failed: $deleted" }
            val failed = (deleted as Deletion.Done).start
            need(failed is StoreStart.Failed && "disk is full" in failed.message) { "a refused open was $failed" }
            need(vault.load() != null && !vault.load()!!.contentEquals(key)) { "no new key kept" }
            opened(DataKeys.open(dir, vault)).core.use { c ->
                need(c.journal().entry(c.history().today()) == null) { "data survived deletion" }
                c.closeStore()
            }
        }
    }
}
