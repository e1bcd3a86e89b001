namespace DistGen.Tests.Training.TorchSafety;

/// <summary>
/// Forces garbage collections (and runs the finalizers they queue) on a thread of its own, as fast as it can, until
/// disposed: the condition under which a TorchSharp object the code no longer references is freed in the middle of a
/// libtorch call that still reads it.
/// </summary>
public sealed class CollectionPressure : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public CollectionPressure()
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Collections++;
            }
        }) { IsBackground = true, Name = "collection pressure" };
        _thread.Start();
    }

    public long Collections { get; private set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
