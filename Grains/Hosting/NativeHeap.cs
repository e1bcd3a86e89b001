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

    /// <summary>
    /// Bytes glibc has taken from the system for the heap (every arena's size plus mmap'd blocks), in use or kept free
    /// for reuse; -1 where unknown. The gap to <see cref="InUseBytes"/> is memory the allocator holds without a caller.
    /// </summary>
    public static long HeldBytes()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        try
        {
            var info = mallinfo2();
            return (long)(info.arena + info.hblkhd);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>Asks glibc to give the free pages of every arena back to the system; false where that is not available.</summary>
    public static bool ReturnFreePages()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Caps glibc's malloc arenas at <paramref name="arenas"/> unless MALLOC_ARENA_MAX is set. glibc gives threads up to
    /// 8 arenas per core, and every arena keeps its own free pages: with libtorch, gRPC and the thread pool all
    /// allocating, two in-process silos' heap held 497 MiB for 109 MiB in use after 50 short jobs; capped at 2 arenas,
    /// 236 MiB for 103 MiB (bench soak section, server collector). Call it first thing in a process: arenas made
    /// before it stay.
    /// </summary>
    public static void LimitArenas(int arenas = ProcessArenas)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null) return;
        try
        {
            mallopt(ArenaMaxOption, arenas);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Another C library (musl): its allocator has no arenas to cap.
        }
    }

    /// <summary>The arena cap of silo processes, `distgen run` and the bench's in-process silos.</summary>
    public const int ProcessArenas = 2;

    private const int ArenaMaxOption = -8; // M_ARENA_MAX in glibc's malloc.h

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [LibraryImport("libc")]
    private static partial MallInfo2 mallinfo2();

    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);

    [LibraryImport("libc")]
    private static partial int mallopt(int option, int value);
}
