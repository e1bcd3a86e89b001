using DistGen.Grains.Gan;

namespace DistGen.Tests.Grains.Gan;

public sealed class GanMembersTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void The_first_substep_of_a_round_names_the_discriminator_the_last_generator_step_scored_with(int substeps)
    {
        for (long round = 2; round <= 5; round++)
            Assert.Equal(GanMembers.DiscriminatorParameters("job", round - 1, substeps, substeps), GanMembers.DiscriminatorParameters("job", round, 0, substeps));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Every_discriminator_update_has_its_own_key(int substeps)
    {
        // Round 1 substep 0 (the start), then one key per update: substeps 1..k of every round.
        var keys = new List<DistGen.Grains.DataPlane.TensorKey> { GanMembers.DiscriminatorParameters("job", 1, 0, substeps) };
        for (long round = 1; round <= 4; round++)
            for (int substep = 1; substep <= substeps; substep++)
                keys.Add(GanMembers.DiscriminatorParameters("job", round, substep, substeps));
        Assert.Equal(keys.Count, keys.Distinct().Count());
        // Keys follow rounds, so the store's retirement by round (versions below r - 1) keeps the ones still in use.
        Assert.All(Enumerable.Range(1, 4), round =>
            Assert.InRange(GanMembers.DiscriminatorParameters("job", round + 1, 0, substeps).Version, round, round));
    }
}
