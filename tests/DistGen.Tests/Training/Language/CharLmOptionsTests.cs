using System.ComponentModel.DataAnnotations;
using DistGen.Training.Language;

namespace DistGen.Tests.Training.Language;

public sealed class CharLmOptionsTests
{
    private static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_are_valid_and_take_the_vocabulary_from_the_data()
    {
        var stream = new CorpusTokenStream("abcabcabd");

        Assert.Empty(Validate(new CharLmModelOptions()));
        Assert.Empty(Validate(new CharLmTrainingOptions()));
        Assert.Equal(4, new CharLmModelOptions().WithVocabularyOf(stream).VocabularySize);
        Assert.Throws<ArgumentException>(() => new CharLmModelOptions { VocabularySize = 5 }.WithVocabularyOf(stream));
    }

    [Fact]
    public void Model_width_not_divisible_by_heads_is_rejected_with_a_fix()
    {
        var results = Validate(new CharLmModelOptions { ModelDimension = 130, Heads = 4 });

        var message = Assert.Single(results).ErrorMessage;
        Assert.Contains("multiple of heads (4)", message);
        Assert.Contains("modelDimension 132", message);
    }
}
