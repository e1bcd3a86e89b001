using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DistGen.Cluster.Tests;

/// <summary>
/// The job pages in a real browser (chromium through Playwright) on two silo processes whose HTTP ports need a token:
/// the list and the page of a running GAN job, its round and curve advancing, its sample, and the cancel button.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JobPagesBrowserTests(ClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-browser-job-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Long enough to be watched and cancelled; a metrics row (and samples.png) every 50 rounds.
    private const string Gan = """
        { "apiVersion": "distgen/v1", "name": "gan-ring-watched", "workload": "gan", "seed": 1,
          "data": { "name": "ring8" },
          "model": { "latentSize": 16, "hiddenSize": 64, "layers": 3 },
          "training": { "steps": 100000, "batchSize": 128, "r1Gamma": 0.1, "generatorLearningRate": 0.002,
                        "discriminatorLearningRate": 0.002, "beta1": 0.5, "beta2": 0.99, "evalEvery": 50 },
          "cluster": { "workers": 1, "device": "cpu", "threads": 1 } }
        """;

    [Fact]
    public async Task A_person_with_the_token_watches_a_running_gan_job_advance_in_chromium_and_cancels_it_from_its_page()
    {
        var token = NewToken();
        var settings = new Dictionary<string, string>
        {
            ["DISTGEN__Security__HttpTokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))),
        };
        var clusterId = $"{cluster.ClusterId}-pages";
        await using var first = await SiloProcess.StartAsync($"{clusterId}-a", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60), settings);
        await using var second = await SiloProcess.StartAsync($"{clusterId}-b", clusterId, cluster.Redis.Endpoint, TimeSpan.FromSeconds(60), settings);
        string[] connection = ["--redis", cluster.Redis.Endpoint, "--cluster-id", clusterId, .. ClusterFixture.PatientConnect];
        var spec = Path.Combine(_folder, "gan.json");
        File.WriteAllText(spec, Gan);
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. connection]);
        Assert.True(submit.ExitCode == 0, $"submit exit {submit.ExitCode}:\n{submit.Tail}");
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        var origin = first.HttpAddress.GetLeftPart(UriPartial.Authority);
        try
        {
            // Nobody without the token: not the pages, their data, the cancel button's endpoint or the metrics.
            foreach (var path in new[] { "/jobs", $"/jobs/{jobId}", "/jobs/_api/list", $"/jobs/{jobId}/status", "/metrics" })
                Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync(path)).Status);
            using (var anonymous = new HttpClient())
            {
                using var cancel = new HttpRequestMessage(HttpMethod.Post, $"{origin}/jobs/{jobId}/cancel");
                cancel.Headers.Add("X-DistGen-Action", "cancel");
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(cancel)).StatusCode);
            }
            Assert.Equal(HttpStatusCode.Unauthorized,
                (await first.GetAsync("/jobs", new AuthenticationHeaderValue("Bearer", NewToken()))).Status);

            var (playwright, browser) = await Chromium.LaunchAsync();
            using var _ = playwright;
            await using var __ = browser;
            // A browser without the token is refused before any page loads.
            await using (var stranger = await browser.NewContextAsync())
            {
                var page = await stranger.NewPageAsync();
                var refused = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync($"{origin}/jobs"));
                Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message);
            }

            await using var context = await browser.NewContextAsync(new()
            {
                HttpCredentials = new() { Username = "viewer", Password = token, Origin = origin },
                ViewportSize = new() { Width = 1200, Height = 900 },
            });
            var jobs = await context.NewPageAsync();
            await jobs.GotoAsync($"{origin}/jobs");
            var row = jobs.Locator($"tr[data-job='{jobId}']");
            await row.WaitForAsync(new() { Timeout = 30_000 });
            Assert.Equal("gan", await row.Locator("td").Nth(1).TextContentAsync());
            Assert.Equal("running", await row.Locator(".state").TextContentAsync());
            output.WriteLine($"/jobs row: {await row.InnerTextAsync()}");

            await row.Locator("a").ClickAsync();
            await jobs.WaitForURLAsync($"{origin}/jobs/{jobId}");
            var job = jobs;
            var charts = job.Locator("#charts");
            await job.WaitForFunctionAsync("() => Number(document.querySelector('#charts').dataset.points || 0) > 0", null, new() { Timeout = 60_000 });
            var (round1, points1) = (await RoundOf(job), await PointsOf(charts));
            // The page refreshes itself: the round count and the curves move on without a reload.
            await job.WaitForFunctionAsync(
                $"() => Number(document.querySelector('#charts').dataset.points) > {points1} && /round (\\d+)/.exec(document.querySelector('#round').textContent)[1] > {round1}",
                null, new() { Timeout = 60_000 });
            var (round2, points2) = (await RoundOf(job), await PointsOf(charts));
            output.WriteLine($"round {round1} -> {round2}; points drawn {points1} -> {points2}");
            Assert.Contains("losses", await charts.Locator(".chart").Nth(0).GetAttributeAsync("data-title"));
            await job.WaitForFunctionAsync("() => { const i = document.querySelector('#sample img'); return i && i.complete && i.naturalWidth > 0; }",
                null, new() { Timeout = 30_000 });

            // Enough of a curve for the README's picture.
            await job.WaitForFunctionAsync("() => Number(document.querySelector('#charts').dataset.points) >= 60", null, new() { Timeout = 90_000 });
            var shot = Path.Combine(AppContext.BaseDirectory, "job-page-gan.png");
            await job.ScreenshotAsync(new() { Path = shot, FullPage = true });
            if (Environment.GetEnvironmentVariable("DISTGEN_SCREENSHOT_DIR") is { Length: > 0 } keep)
                File.Copy(shot, Path.Combine(keep, "job-page-gan.png"), overwrite: true);
            output.WriteLine($"screenshot: {shot}");

            // Cancel asks first: keeping the job running leaves it running.
            await job.ClickAsync("#cancel");
            Assert.True(await job.Locator("#confirm-cancel").IsVisibleAsync());
            await job.ClickAsync("#confirm-cancel button[value='keep']");
            Assert.False(await job.Locator("#confirm-cancel").IsVisibleAsync());
            await Task.Delay(2500);
            Assert.Equal("running", await job.Locator("#state").TextContentAsync());

            await job.ClickAsync("#cancel");
            await job.ClickAsync("#confirm-yes");
            await job.WaitForFunctionAsync("() => document.querySelector('#state').textContent === 'cancelled'", null, new() { Timeout = 60_000 });
            Assert.True(await job.Locator("#cancel").IsHiddenAsync());
            var status = await ClusterFixture.RunDistgenAsync(["status", jobId, "--json", .. connection]);
            Assert.Contains("\"Cancelled\"", status.StandardOutput);
            // Status points at the job's page on its coordinator's silo.
            var coordinator = new[] { first, second }.Single(s => status.StandardOutput.Contains($"{s.HttpAddress.GetLeftPart(UriPartial.Authority)}/jobs/{jobId}"));
            output.WriteLine($"status names the page on {coordinator.Name}");
        }
        finally
        {
            await ClusterFixture.RunDistgenAsync(["cancel", jobId, .. connection]);
        }
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static async Task<long> RoundOf(IPage page) =>
        long.Parse(System.Text.RegularExpressions.Regex.Match(await page.Locator("#round").TextContentAsync() ?? "", @"round (\d+)").Groups[1].Value);

    private static async Task<int> PointsOf(ILocator charts) => int.Parse(await charts.GetAttributeAsync("data-points") ?? "0");
}
