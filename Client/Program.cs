using System.CommandLine;
using DistGen.Client.Commands;
using DistGen.Grains.Hosting;

// distgen run hosts a silo in this process: its heap gets the same arena cap as a silo's (Grains/Hosting/NativeHeap.cs).
NativeHeap.LimitArenas();
var root = new RootCommand("distgen: train generative models on an Orleans cluster (GAN, VAE, char-LM, PPO).")
{
    RunCommand.Create(),
    DataCommand.Create(),
    SpecCommand.Create(),
    ClusterCommand.Create(),
    CertCommand.Create(),
    LabelCommand.Create(),
    ScoreCommand.Create(),
};
foreach (var command in JobCommands.Create()) root.Subcommands.Add(command);
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
    Console.Error.WriteLine("See: distgen --help");
    return DistGen.Client.ExitCodes.BadInput;
}
// System.CommandLine 2.0.0 leaves ProcessTerminationTimeout unset, and then Ctrl+C never reaches the actions' cancellation
// tokens (dotnet/command-line-api#2739). The timeout leaves distgen run time to cancel its job and stop its embedded silo.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
