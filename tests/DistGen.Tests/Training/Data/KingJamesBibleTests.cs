using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class KingJamesBibleTests
{
    [Fact]
    public void Verse_labels_are_stripped_one_verse_a_line()
    {
        const string output =
            "Ge1:1 In the beginning God created the heaven and the earth.\n" +
            "1Jn3:16 Hereby perceive we the love of God.\n" +
            "SSol2:1 I am the rose of Sharon.\n" +
            "Rev22:21 The grace of our Lord Jesus Christ be with you all. Amen.\n";

        Assert.Equal(
            "In the beginning God created the heaven and the earth.\n" +
            "Hereby perceive we the love of God.\n" +
            "I am the rose of Sharon.\n" +
            "The grace of our Lord Jesus Christ be with you all. Amen.\n",
            KingJamesBible.StripVerseLabels(output));
    }

    [Fact]
    public void Line_without_a_verse_label_is_an_error_naming_the_line()
    {
        var error = Assert.Throws<InvalidDataException>(() => KingJamesBible.StripVerseLabels("Ge1:1 In the beginning.\nGenesis 1\n"));
        Assert.Contains("line 2", error.Message);
        Assert.Contains("Genesis 1", error.Message);
    }
}
