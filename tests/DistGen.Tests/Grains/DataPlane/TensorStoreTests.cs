using DistGen.Grains.DataPlane;

namespace DistGen.Tests.Grains.DataPlane;

public sealed class TensorStoreTests
{
    private static TensorPayload Floats(int count) => new([count], new float[count]);

    [Fact]
    public void A_put_beyond_the_budget_is_refused_with_a_named_error()
    {
        var store = new TensorStore(budgetBytes: 1000);
        store.TryAdd(Tensors.Gradients(1), Floats(200));

        var refusal = Assert.Throws<TensorStoreFullException>(() => store.TryAdd(Tensors.Gradients(2), Floats(100)));

        Assert.Equal(
            "tensor store budget of 1000 bytes exceeded by key job-1/gradients/2/w0 (400 bytes, 800 already in use): " +
            "raise DataPlane:MaxStoreBytes, or lower the model size or the number of tensors in flight per silo",
            refusal.Message);
        Assert.Equal(800, store.StoredBytes);
    }

    [Fact]
    public void Putting_a_key_twice_keeps_the_first_and_counts_it_once()
    {
        var store = new TensorStore(budgetBytes: 1000);
        var first = Floats(100);

        Assert.True(store.TryAdd(Tensors.Gradients(1), first));
        Assert.False(store.TryAdd(Tensors.Gradients(1), Floats(100)));

        Assert.Equal(400, store.StoredBytes);
        Assert.True(store.TryGet(Tensors.Gradients(1), out var kept));
        Assert.Same(first, kept);
    }

    [Fact]
    public void Retire_keeps_the_current_and_previous_versions_and_other_jobs()
    {
        var store = new TensorStore(budgetBytes: 1 << 20);
        for (int v = 1; v <= 5; v++) store.TryAdd(TensorKey.ParametersOf("a", v), Floats(10));
        store.TryAdd(TensorKey.GradientsOf("a", 2, "w0"), Floats(10));
        store.TryAdd(TensorKey.ParametersOf("b", 1), Floats(10));

        Assert.Equal(4, store.Retire("a", currentVersion: 5));

        Assert.True(store.Contains(TensorKey.ParametersOf("a", 4)));
        Assert.True(store.Contains(TensorKey.ParametersOf("a", 5)));
        Assert.True(store.Contains(TensorKey.ParametersOf("b", 1)));
        Assert.Equal(3, store.Count);
        Assert.Equal(120, store.StoredBytes);
    }

    [Fact]
    public void A_taken_tensor_leaves_the_store_and_frees_its_bytes()
    {
        var store = new TensorStore(budgetBytes: 1000);
        store.TryAdd(Tensors.Gradients(1), Floats(250));

        Assert.True(store.TryTake(Tensors.Gradients(1), out _));
        Assert.False(store.TryTake(Tensors.Gradients(1), out _));
        Assert.Equal(0, store.StoredBytes);
        Assert.True(store.TryAdd(Tensors.Gradients(2), Floats(250)));
    }

    [Fact]
    public void A_reservation_holds_room_until_committed_or_dropped()
    {
        var store = new TensorStore(budgetBytes: 1000);
        using (store.Reserve(Tensors.Gradients(1), 800))
            Assert.Throws<TensorStoreFullException>(() => store.TryAdd(Tensors.Gradients(2), Floats(100)));
        Assert.True(store.TryAdd(Tensors.Gradients(2), Floats(100)));

        using var reservation = store.Reserve(Tensors.Gradients(3), 400);
        Assert.True(reservation.Commit(Tensors.Gradients(3), Floats(100)));
        Assert.Equal(800, store.StoredBytes);
        Assert.True(store.TryAdd(Tensors.Gradients(4), Floats(50)));
    }

    [Fact]
    public void Release_job_drops_all_of_its_tensors()
    {
        var store = new TensorStore(budgetBytes: 1000);
        store.TryAdd(TensorKey.ParametersOf("a", 1), Floats(10));
        store.TryAdd(TensorKey.GradientsOf("a", 1, "w0"), Floats(10));
        store.TryAdd(TensorKey.ParametersOf("b", 1), Floats(10));

        Assert.Equal(2, store.ReleaseJob("a"));
        Assert.Equal(1, store.Count);
    }
}
