using System.Buffers.Text;
using System.Security.Cryptography;
using DistGen.Grains.Artifacts;
using DistGen.Grains.DataPlane;

namespace DistGen.Tests.Grains.Artifacts;

/// <summary>Download tickets open one file of one job, as a silo of the cluster issued them, until they expire; nothing else.</summary>
public sealed class ArtifactTicketsTests
{
    private const string Job = "vae-20261128-0a1b2c3d4e5f";
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Hash = SHA256.HashData("checkpoint"u8);
    private readonly ArtifactTickets _tickets = new(new ClusterSecret("cluster-secret"));

    private string Ticket(string job = Job, string file = "checkpoint.bin", long size = 1234, DateTimeOffset? expires = null) =>
        _tickets.Issue(job, file, size, Hash, expires ?? Now.AddMinutes(15));

    [Fact]
    public void A_ticket_grants_its_file_of_its_job_with_the_size_and_hash_it_was_issued_for()
    {
        Assert.True(_tickets.TryRead(Job, "checkpoint.bin", Ticket(), Now, out var grant, out var problem), problem);

        Assert.Equal(1234, grant.Size);
        Assert.Equal(Hash, grant.Sha256);
        Assert.Equal(Now.AddMinutes(15), grant.Expires);
        // Another silo of the same cluster (the same secret) accepts it too.
        Assert.True(new ArtifactTickets(new ClusterSecret("cluster-secret")).TryRead(Job, "checkpoint.bin", Ticket(), Now, out _, out _));
    }

    [Fact]
    public void An_expired_ticket_is_refused()
    {
        var ticket = Ticket(expires: Now);

        Assert.False(_tickets.TryRead(Job, "checkpoint.bin", ticket, Now, out _, out var problem));
        Assert.Contains("expired", problem);
        Assert.True(_tickets.TryRead(Job, "checkpoint.bin", ticket, Now.AddMilliseconds(-1), out _, out _));
    }

    [Theory]
    [InlineData("vae-20261128-ffffffffffff", "checkpoint.bin")]
    [InlineData(Job, "summary.json")]
    [InlineData(Job, "checkpoint.prev.bin")]
    [InlineData(Job, "Checkpoint.bin")]
    public void A_ticket_presented_for_another_job_or_file_is_refused(string job, string file)
    {
        Assert.False(_tickets.TryRead(job, file, Ticket(), Now, out _, out var problem));
        Assert.Contains("not issued by this cluster", problem);
    }

    [Fact]
    public void A_forged_or_altered_ticket_is_refused()
    {
        var genuine = Base64Url.DecodeFromChars(Ticket());
        var forgeries = new List<string?>
        {
            null, "", "not a ticket", Base64Url.EncodeToString(new byte[genuine.Length]), Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(genuine.Length)),
            Base64Url.EncodeToString(genuine[..^1]), Base64Url.EncodeToString([.. genuine, 0]),
            // Issued with another cluster's secret.
            new ArtifactTickets(new ClusterSecret("another-cluster")).Issue(Job, "checkpoint.bin", 1234, Hash, Now.AddMinutes(15)),
        };
        // Each byte changed in turn: the version, the expiry (a later one), the size, the hash and the MAC itself.
        for (int i = 0; i < genuine.Length; i++)
        {
            var altered = genuine.ToArray();
            altered[i] ^= 0x40;
            forgeries.Add(Base64Url.EncodeToString(altered));
        }

        foreach (var forged in forgeries)
            Assert.False(_tickets.TryRead(Job, "checkpoint.bin", forged, Now, out _, out _), $"accepted {forged}");
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("../../etc/passwd")]
    [InlineData("..%2fx")]
    [InlineData("%2e%2e%2fx")]
    [InlineData("sub%2fx")]
    [InlineData("sub/../x")]
    [InlineData("sub//x")]
    [InlineData("sub\\x")]
    [InlineData("/etc/passwd")]
    [InlineData(".bashrc")]
    [InlineData("summary.json\n")]
    [InlineData("")]
    [InlineData("a/b/c/d/e")]
    [InlineData("labels./x")]
    [InlineData("NUL")]
    [InlineData("labels/con.txt")]
    public void A_name_that_is_not_a_plain_path_gets_no_ticket_and_no_ticket_opens_it(string name)
    {
        Assert.Throws<ArgumentException>(() => _tickets.Issue(Job, name, 1, Hash, Now.AddMinutes(1)));
        Assert.Throws<ArgumentException>(() => _tickets.Issue(name, "checkpoint.bin", 1, Hash, Now.AddMinutes(1)));

        Assert.False(_tickets.TryRead(Job, name, Ticket(), Now, out _, out var problem));
        Assert.Contains("plain path", problem);
        Assert.False(_tickets.TryRead(name, "checkpoint.bin", Ticket(), Now, out _, out _));
    }

    [Fact]
    public void A_file_of_a_subfolder_gets_a_ticket_for_its_whole_path_and_a_job_id_stays_one_name()
    {
        var ticket = _tickets.Issue(Job, "labels/iteration-1/answers.jsonl", 1234, Hash, Now.AddMinutes(15));

        Assert.True(_tickets.TryRead(Job, "labels/iteration-1/answers.jsonl", ticket, Now, out var grant, out var problem), problem);
        Assert.Equal(1234, grant.Size);
        Assert.False(_tickets.TryRead(Job, "labels/iteration-2/answers.jsonl", ticket, Now, out _, out _));
        Assert.False(_tickets.TryRead(Job, "answers.jsonl", ticket, Now, out _, out _));
        Assert.Throws<ArgumentException>(() => _tickets.Issue(Job + "/labels", "answers.jsonl", 1, Hash, Now.AddMinutes(1)));
        Assert.False(_tickets.TryRead(Job + "/labels", "answers.jsonl", ticket, Now, out _, out _));
    }
}
