using Microsoft.Playwright;

namespace DistGen.Cluster.Tests;

/// <summary>
/// Debian's chromium driven by Playwright: launched by its path (Playwright's own browser download does not exist here),
/// headless, with Playwright's defaults (it adds --no-sandbox, which running as root needs).
/// </summary>
public static class Chromium
{
    // The binary itself; /usr/bin/chromium is Debian's wrapper script around it.
    private static readonly string[] Paths = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"];

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var path = Paths.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed: apt-get install chromium fonts-dejavu-core (test.sh does)");
        var playwright = await Playwright.CreateAsync();
        try
        {
            return (playwright, await playwright.Chromium.LaunchAsync(new() { ExecutablePath = path, Headless = true }));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
