/**
 * Methods combined: `distillation.method=kd+at` distils with both at once.
 * The combination's terms are each member's named terms (kd's "kd" and at's
 * "at"), summed by the objective beside one hard-label term; each member keeps
 * its own parameters, named `<member>.<parameter>` (`distillation.params.at.beta=500`),
 * its own taps and parts (features and parts are handed to each member in its
 * own order). The hard-label term's default weight is the product of the
 * members' (kd+at: kd's α; a feature method's 1 leaves it as it is);
 * distillation.hardLabelWeight overrides it as for any method.
 */
import { DistillationMethod, LossInput, LossTerms, MethodDefinition, MethodParamError, MethodParams, ParamSpec } from "./method";

/** Joins member names: "kd+at". */
export const COMBINE = "+";

/** The members' parameters under `<member>.<name>`. */
function combinedParams(members: readonly MethodDefinition[]): Record<string, ParamSpec> {
  return Object.fromEntries(members.flatMap((member) => Object.entries(member.params).map(([name, spec]) => [`${member.name}.${name}`, spec])));
}

/** The part of `params` that belongs to `member`, without its prefix. */
function memberParams(member: MethodDefinition, params: Readonly<MethodParams>): MethodParams {
  const prefix = `${member.name}.`;
  return Object.fromEntries(Object.entries(params).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
}

/** One definition for the members together; two or more distinct ones, none itself combined. */
export function combineMethods(members: readonly MethodDefinition[]): MethodDefinition {
  const name = members.map((m) => m.name).join(COMBINE);
  if (members.length < 2) throw new MethodParamError(`a combination needs two or more methods, got "${name}"`);
  if (new Set(members.map((m) => m.name)).size !== members.length) throw new MethodParamError(`distillation method "${name}" names a method twice`);
  return {
    name,
    reference: members.map((m) => m.reference).join("; "),
    params: combinedParams(members),
    create(params, context) {
      const created: DistillationMethod[] = members.map((member) => member.create(memberParams(member, params), context));
      const offsets = (select: (m: DistillationMethod) => readonly unknown[]): number[] => created.map((_, i) => created.slice(0, i).reduce((sum, m) => sum + select(m).length, 0));
      const teacherAt = offsets((m) => m.taps.teacher);
      const studentAt = offsets((m) => m.taps.student);
      const partAt = offsets((m) => m.parts);
      return {
        name,
        params,
        taps: { teacher: created.flatMap((m) => m.taps.teacher), student: created.flatMap((m) => m.taps.student) },
        parts: created.flatMap((m) => m.parts),
        hardLabelWeight: created.reduce((product, m) => product * m.hardLabelWeight, 1),
        describe: () => created.map((m) => m.describe()).join(" + "),
        terms: <V>(input: LossInput<V>) => {
          const terms: LossTerms<V> = {};
          created.forEach((member, i) => {
            const memberInput: LossInput<V> = {
              ...input,
              studentFeatures: input.studentFeatures.slice(studentAt[i], studentAt[i] + member.taps.student.length),
              teacherFeatures: input.teacherFeatures.slice(teacherAt[i], teacherAt[i] + member.taps.teacher.length),
              applyPart: (index, value) => input.applyPart(partAt[i] + index, value),
            };
            for (const [term, value] of Object.entries(input.ops.scope(member.name, () => member.terms(memberInput)))) {
              if (term in terms) throw new Error(`distillation method ${name}: two members have a term "${term}"`);
              terms[term] = value;
            }
          });
          return terms;
        },
      };
    },
  };
}
