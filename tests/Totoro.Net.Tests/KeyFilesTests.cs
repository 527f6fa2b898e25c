using NSec.Cryptography;
using Totoro.Net.Security;

namespace Totoro.Net.Tests;

public class KeyFilesTests
{
    [Fact]
    public void Writers_making_the_same_key_file_at_once_all_get_the_one_on_disk()
    {
        // `app submit` makes the creator key on its first use. Two made at once (the CLI tests on a fresh machine) shared
        // one temporary file name: one could fail on the other's, or each walk away with its own key, only one of them
        // on disk, so that its apps could not be stopped. Eight writers per file, released together by a barrier.
        const int Writers = 8;
        string dir = Path.Combine(Path.GetTempPath(), "totoro-keyfiles-" + Guid.NewGuid().ToString("N"));
        try
        {
            for (int trial = 0; trial < 20; trial++)
            {
                string path = Path.Combine(dir, $"creator{trial}.key");
                var keys = new byte[Writers][];
                var errors = new Exception?[Writers];
                using var start = new Barrier(Writers);
                Thread[] threads = [.. Enumerable.Range(0, Writers).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    try
                    {
                        using Key key = KeyFiles.LoadOrCreate(path);
                        keys[i] = Keys.PublicBytes(key);
                    }
                    catch (Exception e)
                    {
                        errors[i] = e; // reported by the test, not thrown on a thread of its own (that would end the test process)
                    }
                }))];
                foreach (Thread thread in threads)
                    thread.Start();
                foreach (Thread thread in threads)
                    thread.Join();

                Assert.All(errors, e => Assert.Null(e));
                byte[] onDisk = KeyFiles.LoadPublic(path);
                Assert.All(keys, k => Assert.Equal(onDisk, k));
            }

            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
