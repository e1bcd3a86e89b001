using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;
using DistGen.Grains.JobPages;

namespace DistGen.Tests.Grains.JobPages;

/// <summary>The job pages of an embedded silo, for a short GAN job it ran: what they answer, and what they refuse.</summary>
public sealed class JobPagesEndpointsTests : IAsyncLifetime
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "gan-paged", "workload": "gan", "seed": 5,
          "data": { "name": "ring8" },
          "model": { "latentSize": 8, "hiddenSize": 16, "layers": 2 },
          "training": { "steps": 60, "batchSize": 32, "evalEvery": 20 },
          "cluster": { "workers": 1, "device": "cpu", "threads": 1 } }
        """;

    private readonly string _runs = Directory.CreateTempSubdirectory("distgen-job-pages-").FullName;
    private EmbeddedSilo _silo = null!;
    private HttpClient _http = null!;
    private string _job = "";

    public async Task InitializeAsync()
    {
        _silo = await EmbeddedSilo.StartAsync(new EmbeddedSiloOptions { HttpPort = 0, ArtifactsRoot = _runs });
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_silo.Endpoints.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        var submitted = await _silo.GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(Spec);
        _job = submitted.JobId ?? throw new InvalidOperationException(string.Join("; ", submitted.Errors));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!(await _silo.GrainFactory.GetGrain<IJobCoordinatorGrain>(_job).GetStatus()).IsFinished)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {_job} did not finish within 2 minutes");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _silo.DisposeAsync();
        Directory.Delete(_runs, recursive: true);
    }

    [Fact]
    public async Task The_pages_are_embedded_html_under_a_policy_that_runs_only_this_silos_scripts()
    {
        foreach (var path in new[] { "/jobs", $"/jobs/{_job}" })
        {
            using var page = await _http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
        }
        foreach (var asset in new[] { "pages.css", "common.js", "jobs.js", "job.js" })
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/jobs/_assets/{asset}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/jobs/_assets/appsettings.json")).StatusCode);
    }

    [Fact]
    public async Task The_list_the_status_and_the_charts_show_the_job_as_it_ran()
    {
        var list = await _http.GetFromJsonAsync<JsonElement>("/jobs/_api/list");
        var row = Assert.Single(list.EnumerateArray(), j => j.GetProperty("jobId").GetString() == _job);
        Assert.Equal("gan", row.GetProperty("family").GetString());
        Assert.Equal("succeeded", row.GetProperty("state").GetString());
        Assert.Equal(1.0, row.GetProperty("progress").GetDouble());
        Assert.NotEmpty(row.GetProperty("silos").EnumerateArray());

        var status = await _http.GetFromJsonAsync<JsonElement>($"/jobs/{_job}/status");
        Assert.Equal(60, status.GetProperty("round").GetInt64());
        Assert.True(status.GetProperty("figures").TryGetProperty("d_loss", out _));

        var charts = await _http.GetFromJsonAsync<JsonElement>($"/jobs/{_job}/charts");
        Assert.Equal(3, charts.GetProperty("loggedSteps").GetInt32());
        var losses = charts.GetProperty("charts").EnumerateArray().First();
        Assert.Equal("losses", losses.GetProperty("title").GetString());
        Assert.Equal(6, losses.GetProperty("points").GetInt32());
        Assert.StartsWith("<svg", losses.GetProperty("svg").GetString()!.TrimStart());
    }

    [Fact]
    public async Task The_latest_sample_comes_over_the_data_plane_and_no_other_file_of_the_run_folder_is_served()
    {
        var sample = await _http.GetFromJsonAsync<JsonElement>($"/jobs/{_job}/sample");
        Assert.Equal(("samples.png", "image"), (sample.GetProperty("fileName").GetString(), sample.GetProperty("kind").GetString()));
        var png = await _http.GetByteArrayAsync($"/jobs/{_job}/sample/samples.png");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_runs, _job, "samples.png")), png);
        foreach (var file in new[] { "checkpoint.bin", "spec.json", "samples.txt", "..%2Fspec.json" })
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/jobs/{_job}/sample/{file}")).StatusCode);

        // The version the page was told of is served from the silo's copy without asking the cluster: it survives the
        // run folder's file going away, while a request without the version (or for another) asks again and finds nothing.
        var version = sample.GetProperty("sha256").GetString()![..16];
        File.Delete(Path.Combine(_runs, _job, "samples.png"));
        Assert.Equal(png, await _http.GetByteArrayAsync($"/jobs/{_job}/sample/samples.png?v={version}"));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/jobs/{_job}/sample/samples.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/jobs/{_job}/sample/samples.png?v=0000000000000000")).StatusCode);
    }

    [Theory]
    [InlineData("no-such-job")]
    [InlineData("..")]
    [InlineData("a%20b")]
    public async Task An_unknown_or_malformed_job_id_is_a_404_that_names_it(string id)
    {
        foreach (var path in new[] { $"/jobs/{id}", $"/jobs/{id}/status", $"/jobs/{id}/charts", $"/jobs/{id}/sample" })
        {
            using var response = await _http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
        }
        using var status = await _http.GetAsync($"/jobs/{id}/status");
        if (id == "no-such-job") Assert.Contains("no job 'no-such-job'", await status.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Cancel_needs_the_pages_header_and_origin_and_a_job_that_has_ended_is_not_cancelled()
    {
        async Task<(HttpStatusCode, string)> Cancel(string? action, string? origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{_job}/cancel");
            if (action is not null) request.Headers.Add(SameOriginAction.Header, action);
            if (origin is not null) request.Headers.Add("Origin", origin);
            using var response = await _http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // A cross-site form post carries neither the header nor this origin.
        Assert.Equal(HttpStatusCode.Forbidden, (await Cancel(null, null)).Item1);
        Assert.Equal(HttpStatusCode.Forbidden, (await Cancel("cancel", "http://evil.example")).Item1);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.GetAsync($"/jobs/{_job}/cancel")).StatusCode);
        var (code, body) = await Cancel("cancel", _http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains("already ended (succeeded)", body);
        Assert.Equal(JobState.Succeeded, (await _silo.GrainFactory.GetGrain<IJobCoordinatorGrain>(_job).GetStatus()).State);
    }
}
