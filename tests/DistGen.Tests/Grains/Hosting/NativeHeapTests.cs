using System.Runtime.InteropServices;
using DistGen.Grains.Hosting;

namespace DistGen.Tests.Grains.Hosting;

public class NativeHeapTests
{
    [Fact]
    public void A_native_block_shows_in_the_bytes_in_use_and_leaves_them_when_freed()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(-1, NativeHeap.InUseBytes()); // unknown, never a made-up figure
            return;
        }
        const long Block = 256L << 20;
        var before = NativeHeap.InUseBytes();
        var block = Marshal.AllocHGlobal((nint)Block); // malloc underneath, as libtorch's CPU allocator
        long during;
        try
        {
            during = NativeHeap.InUseBytes();
            Assert.True(NativeHeap.HeldBytes() >= during, "glibc holds at least what is in use");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
        var after = NativeHeap.InUseBytes();

        // Other tests allocate at the same time, so half the block is the margin, not the exact size.
        Assert.True(during - before >= Block / 2, $"in use went from {before} to {during} bytes with a {Block}-byte block");
        Assert.True(during - after >= Block / 2, $"in use went from {during} to {after} bytes after freeing it");
        Assert.True(NativeHeap.ReturnFreePages());
    }

    [Fact]
    public void Every_process_of_the_solution_asks_the_collector_to_conserve_memory()
    {
        // Directory.Build.props sets it for every project; the test host is one of them, like the silo and distgen.
        Assert.Equal("5", AppContext.GetData("System.GC.ConserveMemory")?.ToString());
    }
}
