using System.Buffers;
using System.Runtime.InteropServices;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The bytes of a float array as <see cref="Memory{T}"/> of bytes, without a copy, so that chunks can wrap the
/// tensor's own memory (<c>UnsafeByteOperations.UnsafeWrap</c>). Valid while the array is not modified.
/// </summary>
internal sealed class FloatBytes(float[] values) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.AsSpan());

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
        unsafe
        {
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
        }
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
