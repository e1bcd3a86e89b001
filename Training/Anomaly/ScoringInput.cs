using DistGen.Training.Data;
using SkiaSharp;

namespace DistGen.Training.Anomaly;

/// <summary>What <c>distgen score</c> was given that it cannot score: the message names the file and what to do.</summary>
public sealed class ScoringInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The images <c>distgen score</c> scores, with a name per item: a gzipped IDX image file of 28x28 images (items named
/// by index), or a folder of PNG and JPEG files (named by file name, in name order). A picture is turned grey by its
/// luminance (0.299 R + 0.587 G + 0.114 B, over black where transparent) and, unless it is 28x28 already, scaled to
/// 28x28 with cubic (Mitchell) resampling, its aspect ratio not kept. Like Fashion-MNIST's, the object should be light
/// on a dark background.
/// </summary>
public static class ScoringInput
{
    private static readonly string[] PictureExtensions = [".png", ".jpg", ".jpeg"];

    public static (ImageDataset Images, string[] Names) Read(string input)
    {
        if (Directory.Exists(input)) return ReadFolder(input);
        if (!File.Exists(input)) throw new ScoringInputException($"{input}: no such file or folder; give a gzipped IDX image file or a folder of PNG/JPEG images");
        return ReadIdx(input);
    }

    private static (ImageDataset, string[]) ReadIdx(string path)
    {
        if (new FileInfo(path).Length == 0) throw new ScoringInputException($"{path} is empty; give a gzipped IDX image file or a folder of PNG/JPEG images");
        (byte[] Pixels, int Count, int Rows, int Columns) idx;
        try
        {
            idx = IdxFile.ReadImages(path);
        }
        catch (InvalidDataException e)
        {
            // IdxFile's advice is for the data sets DistGen fetches; here the file is the user's.
            var reason = e.Message.Replace("; fetch the data set again", "", StringComparison.Ordinal);
            throw new ScoringInputException($"{reason} (distgen score reads a gzipped IDX image file, as MNIST and Fashion-MNIST ship them, or a folder of PNG/JPEG images)", e);
        }
        if ((idx.Rows, idx.Columns) != (ImageDataset.Height, ImageDataset.Width))
            throw new ScoringInputException($"{path} holds {idx.Rows}x{idx.Columns} images; the detector scores 28x28 images (give a folder of pictures to have them scaled)");
        if (idx.Count == 0) throw new ScoringInputException($"{path} holds no images");
        return (ImageDataset.FromBytes(idx.Pixels, new byte[idx.Count]), Enumerable.Range(0, idx.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    private static (ImageDataset, string[]) ReadFolder(string folder)
    {
        var files = Directory.GetFiles(folder).Where(f => PictureExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new ScoringInputException($"{folder} holds no .png, .jpg or .jpeg file");
        var pixels = new byte[files.Length * ImageDataset.PixelsPerImage];
        for (int i = 0; i < files.Length; i++) Grey28(files[i]).CopyTo(pixels.AsSpan(i * ImageDataset.PixelsPerImage));
        return (ImageDataset.FromBytes(pixels, new byte[files.Length]), files.Select(f => Path.GetFileName(f)).ToArray());
    }

    private static byte[] Grey28(string path)
    {
        if (new FileInfo(path).Length == 0) throw new ScoringInputException($"{path} is empty");
        using var decoded = SKBitmap.Decode(path) ?? throw new ScoringInputException($"{path} is not a PNG or JPEG image SkiaSharp can read");
        using var converted = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!decoded.CopyTo(converted, SKColorType.Rgba8888)) throw new ScoringInputException($"{path}: its pixels could not be read as RGBA");
        using var scaled = decoded.Width == ImageDataset.Width && decoded.Height == ImageDataset.Height
            ? converted.Copy()
            : converted.Resize(new SKImageInfo(ImageDataset.Width, ImageDataset.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                new SKSamplingOptions(SKCubicResampler.Mitchell)) ?? throw new ScoringInputException($"{path}: could not be scaled to 28x28");
        var grey = new byte[ImageDataset.PixelsPerImage];
        for (int y = 0; y < ImageDataset.Height; y++)
            for (int x = 0; x < ImageDataset.Width; x++)
            {
                var c = scaled.GetPixel(x, y);
                double luminance = (0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue) * c.Alpha / 255.0;
                grey[y * ImageDataset.Width + x] = (byte)Math.Clamp(Math.Round(luminance), 0, 255);
            }
        return grey;
    }
}
