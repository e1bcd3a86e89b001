// libtorch's global generator, grad mode and thread count are process-wide; tests that train run one at a time
// so a seeded run sees exactly the random stream it would see alone.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
