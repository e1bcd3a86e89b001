using DistGen.Contracts.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Grains.JobPages;

/// <summary>
/// The job pages on a silo's HTTP port, beside the dashboard and behind the same token (HttpPortGuard):
/// <c>/jobs</c> lists every job of the cluster, <c>/jobs/ID</c> shows one live, and the JSON they poll sits under the
/// same paths. Any silo serves any job: it asks the job's coordinator, wherever that runs.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>GET /jobs/_api/list</c>: every job (<see cref="JobSummary"/>).</item>
/// <item><c>GET /jobs/ID/status</c>: one job; <c>GET /jobs/ID/charts</c>: its curves drawn as SVG (<see cref="JobCharts"/>).</item>
/// <item><c>GET /jobs/ID/sample</c>: which sample file it has now; <c>GET /jobs/ID/sample/FILE</c>: that file.</item>
/// <item><c>POST /jobs/ID/cancel</c>: cancels it, for a request of the page itself only (<see cref="SameOriginAction"/>).</item>
/// </list>
/// </remarks>
public static class JobPagesEndpoints
{
    public const string Route = "/jobs";

    /// <summary>How many steps a chart draws at most: plenty for a 520-pixel-wide curve.</summary>
    public const int ChartPoints = 600;

    // Scripts only from this silo; ScottPlot's SVG carries inline style attributes; never inside another site's frame.
    private const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IServiceCollection AddDistGenJobPages(this IServiceCollection services) => services.AddSingleton<JobSampleFiles>();

    public static IEndpointRouteBuilder MapDistGenJobPages(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup(Route);
        jobs.MapGet("", () => Page("jobs.html"));
        jobs.MapGet("/_assets/{name}", (string name) => JobPageAssets.Find(name) is { } asset
            ? Results.Bytes(asset.Bytes, asset.ContentType) : Results.NotFound());
        jobs.MapGet("/_api/list", ListAsync);
        jobs.MapGet("/{id}", PageOfAsync);
        jobs.MapGet("/{id}/status", StatusAsync);
        jobs.MapGet("/{id}/charts", ChartsAsync);
        jobs.MapGet("/{id}/sample", SampleAsync);
        jobs.MapGet("/{id}/sample/{file}", SampleFileAsync);
        jobs.MapPost("/{id}/cancel", CancelAsync);
        return app;
    }

    private static IResult Page(string name)
    {
        var asset = JobPageAssets.Find(name) ?? throw new InvalidOperationException($"the job pages' {name} is not embedded in this build");
        return new PageResult(asset.Bytes);
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, HttpContext http) => await Guarded(http, async () =>
    {
        var jobs = await grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).List();
        var now = DateTimeOffset.UtcNow;
        return Json(jobs.OrderByDescending(j => j.SubmittedAt).Select(j => JobSummary.Of(j, now)));
    });

    private static async Task<IResult> PageOfAsync(string id, IGrainFactory grains, HttpContext http) => await Guarded(http, async () =>
        await FindAsync(id, grains) is null
            ? Results.Content($"No job '{PlainNames.Printable(id)}' in this cluster. All jobs: {Route}\n", "text/plain; charset=utf-8", statusCode: 404)
            : Page("job.html"));

    private static async Task<IResult> StatusAsync(string id, IGrainFactory grains, HttpContext http) => await Guarded(http, async () =>
        await FindAsync(id, grains) is { } status ? Json(JobSummary.Of(status, DateTimeOffset.UtcNow)) : UnknownJob(id));

    private static async Task<IResult> ChartsAsync(string id, IGrainFactory grains, HttpContext http) => await Guarded(http, async () =>
    {
        if (await FindAsync(id, grains) is null) return UnknownJob(id);
        var curves = await grains.GetGrain<IJobCoordinatorGrain>(id).GetCurves(ChartPoints);
        return Json(new { curves.LoggedSteps, LastStep = curves.Steps.Length > 0 ? curves.Steps[^1] : 0, Charts = JobCharts.Draw(curves) });
    });

    private static async Task<IResult> SampleAsync(string id, IGrainFactory grains, JobSampleFiles samples, HttpContext http) => await Guarded(http, async () =>
    {
        if (await FindAsync(id, grains) is null) return UnknownJob(id);
        return await samples.LatestAsync(id, http.RequestAborted) is { } latest ? Json(latest.Sample) : Results.NoContent();
    });

    private static async Task<IResult> SampleFileAsync(string id, string file, IGrainFactory grains, JobSampleFiles samples, HttpContext http) =>
        await Guarded(http, async () =>
        {
            if (!JobSampleFiles.Candidates.Any(c => c.FileName == file)) return Results.NotFound();
            // The page names the version it was told of (?v=): the copy fetched for that answer is served as it is.
            if (samples.Cached(id, file, http.Request.Query["v"]) is { } copy) return Results.File(copy, JobSampleFiles.ContentTypeOf(file));
            if (await FindAsync(id, grains) is null) return UnknownJob(id);
            if (await samples.LatestAsync(id, http.RequestAborted) is not { } latest || latest.Sample.FileName != file) return Results.NotFound();
            return Results.File(latest.Path, JobSampleFiles.ContentTypeOf(file));
        });

    private static async Task<IResult> CancelAsync(string id, IGrainFactory grains, HttpContext http) => await Guarded(http, async () =>
    {
        if (SameOriginAction.Refusal(http.Request, "cancel") is { } refusal) return Problem(StatusCodes.Status403Forbidden, refusal);
        if (await FindAsync(id, grains) is not { } status) return UnknownJob(id);
        if (status.IsFinished) return Problem(StatusCodes.Status409Conflict, $"job {id} has already ended ({status.StateName})");
        var coordinator = grains.GetGrain<IJobCoordinatorGrain>(id);
        await coordinator.Cancel();
        return Json(JobSummary.Of(await coordinator.GetStatus(), DateTimeOffset.UtcNow));
    });

    /// <summary>The job's status, or null for a name that is no job id or a job the cluster has never seen.</summary>
    private static async Task<JobStatus?> FindAsync(string id, IGrainFactory grains)
    {
        if (!PlainNames.IsPlain(id)) return null;
        var status = await grains.GetGrain<IJobCoordinatorGrain>(id).GetStatus();
        return status.SubmittedAt == default ? null : status;
    }

    // A cluster that does not answer (a silo leaving, storage down) is told as such, not as a crash of the page.
    private static async Task<IResult> Guarded(HttpContext http, Func<Task<IResult>> answer)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        try
        {
            return await answer();
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException or InvalidOperationException
            or Artifacts.ArtifactDownloadException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, $"the cluster did not answer: {e.GetBaseException().Message}");
        }
    }

    private static IResult UnknownJob(string id) => Problem(StatusCodes.Status404NotFound, $"no job '{PlainNames.Printable(id)}' in this cluster");

    private static IResult Problem(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static IResult Json(object value) => Results.Json(value);

    /// <summary>An embedded page with its content security policy.</summary>
    private sealed class PageResult(byte[] html) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            http.Response.Headers.ContentSecurityPolicy = PagePolicy;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "no-store";
            return http.Response.Body.WriteAsync(html).AsTask();
        }
    }
}
