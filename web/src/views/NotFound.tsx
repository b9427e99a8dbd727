import { Compass } from "lucide-react";
import { Link } from "wouter";
import { EmptyState } from "@/components/EmptyState";

export function NotFound() {
  return (
    <EmptyState icon={Compass} title="Nothing here">
      <Link href="/" className="text-primary underline">
        Back to the overview
      </Link>
    </EmptyState>
  );
}
