using DistGen.Training.Gan;
using DistGen.Training.Language;
using DistGen.Training.Rl;
using DistGen.Training.Specs;
using DistGen.Training.Vae;
using TorchSharp;

namespace DistGen.Tests.Training.Specs;

/// <summary>
/// Each network's parameter count from its shape alone equals the count of the network built, so admission can judge a
/// job's memory without building it; and each workload's count is its networks' sum.
/// </summary>
public sealed class ParameterCountTests
{
    private static long Built(torch.nn.Module module)
    {
        using var scope = torch.NewDisposeScope();
        try
        {
            return module.parameters().Sum(p => p.numel());
        }
        finally
        {
            module.Dispose();
        }
    }

    [Theory]
    [InlineData(784, 400, 20)]
    [InlineData(784, 8, 1)]
    [InlineData(10, 33, 7)]
    public void Vae(int input, int hidden, int latent) =>
        Assert.Equal(Built(new VariationalAutoencoder(input, hidden, latent)), VariationalAutoencoder.ParameterCount(input, hidden, latent));

    [Theory]
    [InlineData(400, 20)]
    [InlineData(8, 1)]
    public void Convolutional_vae(int hidden, int latent) =>
        Assert.Equal(Built(new VariationalAutoencoder(784, hidden, latent, VaeArchitecture.Conv)), VariationalAutoencoder.ParameterCount(784, hidden, latent, VaeArchitecture.Conv));

    [Theory]
    [InlineData(16, 64, 3, 1)]
    [InlineData(2, 5, 1, 4)]
    [InlineData(7, 128, 6, 16)]
    public void Mlp_gan(int latent, int hidden, int layers, int pack)
    {
        Assert.Equal(Built(new MlpGenerator(latent, hidden, layers)), MlpGenerator.ParameterCount(latent, hidden, layers));
        Assert.Equal(Built(new MlpDiscriminator(2, hidden, layers, pack)), MlpDiscriminator.ParameterCount(2, hidden, layers, pack));
    }

    [Theory]
    [InlineData(16, 32, 1)]
    [InlineData(64, 8, 4)]
    [InlineData(3, 17, 2)]
    public void Conv_gan(int latent, int channels, int pack)
    {
        Assert.Equal(Built(new ConvGenerator(latent, channels)), ConvGenerator.ParameterCount(latent, channels));
        Assert.Equal(Built(new ConvDiscriminator(channels, pack)), ConvDiscriminator.ParameterCount(channels, pack));
    }

    [Theory]
    [InlineData(65, 64, 128, 4, 4)]
    [InlineData(10, 8, 16, 1, 2)]
    [InlineData(80, 32, 48, 3, 6)]
    public void Char_transformer(int vocabulary, int context, int dimension, int layers, int heads)
    {
        var options = new CharLmModelOptions { VocabularySize = vocabulary, ContextLength = context, ModelDimension = dimension, Layers = layers, Heads = heads };
        Assert.Equal(Built(new CharTransformer(options)), CharTransformer.ParameterCount(options));
    }

    [Theory]
    [InlineData(4, 2, 64, 2)]
    [InlineData(4, 2, 9, 1)]
    [InlineData(6, 3, 32, 4)]
    public void Actor_critic(int observations, int actions, int hidden, int layers) =>
        Assert.Equal(Built(new ActorCritic(observations, actions, hidden, layers)), ActorCritic.ParameterCount(observations, actions, hidden, layers));

    [Fact]
    public void Each_workload_counts_its_networks_and_an_oversized_char_lm_counts_without_building()
    {
        var gan = SpecLoader.Parse("""{ "apiVersion": "distgen/v1", "name": "g", "workload": "gan", "data": { "name": "ring8" }, "model": { "hiddenSize": 32, "layers": 2, "pack": 2 } }""");
        Assert.Equal(MlpGenerator.ParameterCount(16, 32, 2) + MlpDiscriminator.ParameterCount(2, 32, 2, 2), gan.Workload.ParameterCount(gan));
        var images = SpecLoader.Parse("""{ "apiVersion": "distgen/v1", "name": "g", "workload": "gan", "data": { "name": "fashion-mnist" }, "model": { "channels": 16 } }""");
        Assert.Equal(ConvGenerator.ParameterCount(16, 16) + ConvDiscriminator.ParameterCount(16), images.Workload.ParameterCount(images));

        var huge = SpecLoader.Parse("""{ "apiVersion": "distgen/v1", "name": "big", "workload": "char-lm", "data": { "name": "kjv" }, "model": { "modelDimension": 8192, "layers": 128, "heads": 64 } }""");
        // 12 d^2 per block dominates: about 103 billion parameters.
        Assert.InRange(huge.Workload.ParameterCount(huge), 103_000_000_000L, 104_000_000_000L);
    }
}
