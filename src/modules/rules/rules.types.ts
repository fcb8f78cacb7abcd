import { Field, InputType, Int, ObjectType } from "type-graphql";
import { doc } from "../../shared/docs";
import { advancedWindowSchema, autoPauseRuleSchema, callingHoursSchema, pauseWindowsSchema, timeOfDaySchema, WEEKDAYS, weekdayWindowSchema } from "./rules.schema";

// GraphQL shapes of the calling rules: the same fields as rules.schema.ts, with its descriptions. The output and
// input types mirror each other (type-graphql needs a class for each).

const t = (f: string) => ({ description: doc(timeOfDaySchema, f) });
const ww = (f: string) => ({ description: doc(weekdayWindowSchema, f) });
const aw = (f: string) => ({ description: doc(advancedWindowSchema, f) });
const pw = (f: string) => ({ nullable: true, description: doc(pauseWindowsSchema, f) });
const ch = (f: string) => ({ description: doc(callingHoursSchema, f) });
const ap = (f: string) => ({ description: doc(autoPauseRuleSchema, f) });

@ObjectType({ description: doc(timeOfDaySchema) })
export class TimeOfDay {
  @Field(() => Int, t("hour")) hour!: number;
  @Field(() => Int, t("minute")) minute!: number;
}

@InputType({ description: doc(timeOfDaySchema) })
export class TimeOfDayInput {
  @Field(() => Int, t("hour")) hour!: number;
  @Field(() => Int, t("minute")) minute!: number;
}

@ObjectType({ description: doc(weekdayWindowSchema) })
export class WeekdayWindow {
  @Field(() => TimeOfDay, ww("startAt")) startAt!: TimeOfDay;
  @Field(() => TimeOfDay, ww("endAt")) endAt!: TimeOfDay;
}

@InputType({ description: doc(weekdayWindowSchema) })
export class WeekdayWindowInput {
  @Field(() => TimeOfDayInput, ww("startAt")) startAt!: TimeOfDayInput;
  @Field(() => TimeOfDayInput, ww("endAt")) endAt!: TimeOfDayInput;
}

@ObjectType({ description: doc(advancedWindowSchema) })
export class AdvancedWindow {
  @Field(aw("startAt")) startAt!: string;
  @Field(aw("endAt")) endAt!: string;
}

@InputType({ description: doc(advancedWindowSchema) })
export class AdvancedWindowInput {
  @Field(aw("startAt")) startAt!: string;
  @Field(aw("endAt")) endAt!: string;
}

@ObjectType({ description: doc(pauseWindowsSchema) })
export class PauseWindows {
  @Field(() => [WeekdayWindow], pw("monday")) monday?: WeekdayWindow[];
  @Field(() => [WeekdayWindow], pw("tuesday")) tuesday?: WeekdayWindow[];
  @Field(() => [WeekdayWindow], pw("wednesday")) wednesday?: WeekdayWindow[];
  @Field(() => [WeekdayWindow], pw("thursday")) thursday?: WeekdayWindow[];
  @Field(() => [WeekdayWindow], pw("friday")) friday?: WeekdayWindow[];
  @Field(() => [WeekdayWindow], pw("saturday")) saturday?: WeekdayWindow[];
  @Field(() => [WeekdayWindow], pw("sunday")) sunday?: WeekdayWindow[];
  @Field(() => [AdvancedWindow], pw("advanced")) advanced?: AdvancedWindow[];
}

@InputType({ description: doc(pauseWindowsSchema) })
export class PauseWindowsInput {
  @Field(() => [WeekdayWindowInput], pw("monday")) monday?: WeekdayWindowInput[];
  @Field(() => [WeekdayWindowInput], pw("tuesday")) tuesday?: WeekdayWindowInput[];
  @Field(() => [WeekdayWindowInput], pw("wednesday")) wednesday?: WeekdayWindowInput[];
  @Field(() => [WeekdayWindowInput], pw("thursday")) thursday?: WeekdayWindowInput[];
  @Field(() => [WeekdayWindowInput], pw("friday")) friday?: WeekdayWindowInput[];
  @Field(() => [WeekdayWindowInput], pw("saturday")) saturday?: WeekdayWindowInput[];
  @Field(() => [WeekdayWindowInput], pw("sunday")) sunday?: WeekdayWindowInput[];
  @Field(() => [AdvancedWindowInput], pw("advanced")) advanced?: AdvancedWindowInput[];
}

@ObjectType({ description: doc(callingHoursSchema) })
export class CallingHours {
  @Field(ch("start")) start!: string;
  @Field(ch("end")) end!: string;
  @Field(() => [String], { nullable: true, ...ch("days") }) days?: string[];
}

@InputType({ description: doc(callingHoursSchema) })
export class CallingHoursInput {
  @Field(ch("start")) start!: string;
  @Field(ch("end")) end!: string;
  @Field(() => [String], { nullable: true, ...ch("days") }) days?: string[] | null;
}

@ObjectType({ description: doc(autoPauseRuleSchema) })
export class AutoPauseRule {
  @Field(ap("nodeId")) nodeId!: string;
  @Field(() => Int, ap("threshold")) threshold!: number;
  @Field(ap("resetOnResume")) resetOnResume!: boolean;
}

@InputType({ description: doc(autoPauseRuleSchema) })
export class AutoPauseRuleInput {
  @Field(ap("nodeId")) nodeId!: string;
  @Field(() => Int, ap("threshold")) threshold!: number;
  @Field(() => Boolean, { nullable: true, ...ap("resetOnResume") }) resetOnResume?: boolean | null;
}

/** GraphQL sends explicit nulls for fields left out: drop them so the zod schemas see what the client meant. */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)])) as T;
  }
  return value;
}

export { WEEKDAYS };
