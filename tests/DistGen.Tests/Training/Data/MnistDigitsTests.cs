using System.Globalization;
using System.Text;
using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class MnistDigitsTests
{
    // The package's encoding: pixel / 255 rounded to 3 decimals.
    private static byte[] Json(IEnumerable<byte> pixels) => Encoding.UTF8.GetBytes(
        "{ \"data\": [" + string.Join(",", pixels.Select(p => Math.Round(p / 255.0, 3).ToString(CultureInfo.InvariantCulture))) + "]}");

    [Fact]
    public void Rounding_back_restores_every_byte_value()
    {
        var pixels = Enumerable.Range(0, 784).Select(i => (byte)(i % 256)).ToArray();
        Assert.Equal(pixels, MnistDigits.ParseDigitJson(Json(pixels), "test"));
    }

    [Fact]
    public void Digit_files_become_idx_files_labelled_by_digit()
    {
        var root = Directory.CreateTempSubdirectory("distgen-mnist-").FullName;
        try
        {
            var cache = new DataCache(root);
            var folder = Directory.CreateDirectory(cache.FolderOf(MnistDigits.DatasetName)).FullName;
            // Digit d gets d + 1 images whose pixels all equal 10 d.
            var byDigit = Enumerable.Range(0, 10).Select(d => Enumerable.Repeat((byte)(10 * d), (d + 1) * 784).ToArray()).ToArray();
            MnistDigits.WriteCacheFiles(folder, byDigit);

            var digits = MnistDigits.Load(cache);
            Assert.Equal(55, digits.Count);
            Assert.Equal([0, 1, 1, 2, 2, 2], digits.Labels[..6]);
            Assert.Equal(90 / 255f, digits.Image(54)[0]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Value_outside_0_1_is_reported_with_its_position()
    {
        var json = Encoding.UTF8.GetBytes("{\"data\": [0, 1.5]}");
        var error = Assert.Throws<InvalidDataException>(() => MnistDigits.ParseDigitJson(json, "7.json"));
        Assert.Contains("7.json", error.Message);
        Assert.Contains("position 1", error.Message);
    }

    [Fact]
    public void Partial_image_is_reported()
    {
        var error = Assert.Throws<InvalidDataException>(() => MnistDigits.ParseDigitJson(Json(new byte[100]), "3.json"));
        Assert.Contains("784", error.Message);
    }
}
