export type BrowserInfo = {
    name: string;
    browser: string;
    version: string;
    os: string;
    screenWidth: number;
    screenHeight: number;
    lang?: string;
};
export type BrowserType = Pick<BrowserInfo, 'name' | 'browser' | 'version' | 'os'>;
