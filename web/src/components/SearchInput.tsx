import { Search } from "lucide-react";
import type * as React from "react";
import { Input } from "@/components/ui/input";
import { cn } from "@/lib/utils";

const SIZES = {
  regular: { icon: "left-3 size-4", input: "pl-9" },
  compact: { icon: "left-2.5 size-3.5", input: "h-8 pl-8 text-sm" },
};

/** A search box with its magnifier; `label` names it for screen readers and tests. */
export function SearchInput({
  label,
  size = "regular",
  className,
  ...props
}: Omit<React.ComponentProps<"input">, "type" | "size"> & {
  label: string;
  size?: keyof typeof SIZES;
}) {
  return (
    <div className={cn("relative", className)}>
      <Search
        className={cn(
          "text-muted-foreground pointer-events-none absolute top-1/2 -translate-y-1/2",
          SIZES[size].icon,
        )}
      />
      <Input type="search" aria-label={label} className={SIZES[size].input} {...props} />
    </div>
  );
}
