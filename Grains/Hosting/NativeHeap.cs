using System.Runtime.InteropServices;

namespace DistGen.Grains.Hosting;

/// <summary>
/// Bytes the process has malloc'd and not freed, from glibc's mallinfo2 (every arena, plus mmap'd blocks). libtorch's CPU
/// tensors are allocated there, so unlike resident memory (which also moves with what the allocator keeps for reuse) it
/// goes back down when tensors are freed: the measure to watch for native leaks.
/// </summary>
public static partial class NativeHeap
{
    /// <summary>Bytes in use; -1 where glibc's mallinfo2 is not available (not Linux, or another C library).</summary>
    public static long InUseBytes()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            var info = mallinfo2();
            return (long)(info.uordblks + info.hblkhd);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return -1;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [LibraryImport("libc")]
    private static partial MallInfo2 mallinfo2();
}
