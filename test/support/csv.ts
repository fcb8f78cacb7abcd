// An RFC 4180 reader for tests, written independently of the service's writer: fields separated by commas, records
// by CRLF (a lone LF is accepted too), a quoted field may hold commas, line breaks and doubled quotes. It refuses
// anything malformed (a quote inside an unquoted field, text after a closing quote, an unterminated quote).

export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return records;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error("unterminated quoted field");
        const c = text[i++];
        if (c !== '"') field += c;
        else if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
      if (i < n && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") throw new Error(`text after a closing quote at ${i}`);
    } else {
      while (i < n && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (i >= n) {
      records.push(record);
      return records;
    }
    if (text[i] === ",") {
      i++;
      continue;
    }
    // End of record: CRLF or LF.
    if (text[i] === "\r") i++;
    if (text[i] !== "\n") throw new Error(`a bare CR at ${i}`);
    i++;
    records.push(record);
    record = [];
    if (i >= n) return records;
  }
}
