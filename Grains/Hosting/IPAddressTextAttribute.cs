using System.ComponentModel.DataAnnotations;
using System.Net;

namespace DistGen.Grains.Hosting;

/// <summary>A setting that, when set, is an IP address (v4 or v6); unset or blank passes (add <see cref="RequiredAttribute"/> if it must be set).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IPAddressTextAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is null || value is string text && (string.IsNullOrWhiteSpace(text) || IPAddress.TryParse(text, out _));
}
