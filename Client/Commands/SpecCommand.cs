using System.CommandLine;
using DistGen.Training.Specs;

namespace DistGen.Client.Commands;

/// <summary><c>distgen spec check FILE</c> and <c>distgen spec fields [WORKLOAD]</c>: validate a spec, list what it may hold.</summary>
public static class SpecCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("spec") { Description = "Path of a job spec." };
        var check = new Command("check", "Validate a job spec without running it.") { file };
        check.SetAction(parse =>
        {
            try
            {
                var job = SpecLoader.LoadFile(parse.GetValue(file)!);
                Console.WriteLine($"{job.Spec.Name}: valid ({job.Workload.Name} on {job.Spec.Data.Name})");
                return ExitCodes.Success;
            }
            catch (SpecException e)
            {
                Console.Error.WriteLine(e.Message);
                return ExitCodes.BadInput;
            }
        });

        var workload = new Argument<string?>("workload") { Description = "A workload name; all when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var fields = new Command("fields", "List the fields of a spec's sections (markdown) for one workload or all.") { workload };
        fields.SetAction(parse =>
        {
            var name = parse.GetValue(workload);
            if (name is not null && !WorkloadCatalog.TryGet(name, out _))
            {
                Console.Error.WriteLine($"unknown workload '{name}'; known: {string.Join(", ", WorkloadCatalog.Names)}");
                return ExitCodes.BadInput;
            }
            Print("Top level", typeof(JobSpec));
            Print("`cluster`", typeof(ClusterSection));
            foreach (var definition in WorkloadCatalog.Definitions.Where(d => name is null || d.Name == name))
            {
                Console.WriteLine($"### Workload `{definition.Name}`: {definition.Description}");
                Console.WriteLine($"Data sets: {string.Join(", ", definition.DataSets.Select(d => $"`{d}`"))}.");
                Console.WriteLine();
                PrintSection(definition.Name, "model", definition.ModelOptionsType);
                PrintSection(definition.Name, "training", definition.TrainingOptionsType);
            }
            return ExitCodes.Success;
        });
        return new Command("spec", "Job specs: validate one, or list the fields a spec may hold.") { check, fields };
    }

    // A section's nested sections (e.g. rlhf's training.ppo) follow it, each with its own table.
    private static void PrintSection(string workload, string path, Type type)
    {
        Print($"`{workload}` `{path}`", type);
        foreach (var (name, property) in StrictJsonBinder.BindableProperties(type))
            if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
                PrintSection(workload, $"{path}.{name}", property.PropertyType);
    }

    private static void Print(string title, Type type)
    {
        Console.WriteLine($"#### {title}");
        Console.WriteLine();
        Console.WriteLine(SpecFields.MarkdownTable(type));
        Console.WriteLine();
    }
}
